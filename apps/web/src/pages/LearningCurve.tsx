import type { ProjectCurve, ProjectCurves } from "@tunelab/core";
import { For, Show } from "solid-js";
import { api, read } from "../api/client.ts";
import { ErrorNotice, Loading, Notice } from "../components/Notice.tsx";
import { count, score } from "../lib/format.ts";
import { load } from "../lib/load.ts";
import { usePage } from "../lib/page.ts";
import { query } from "../lib/router.ts";
import { CurveChart } from "./curve/CurveChart.tsx";
import "./curve/curve.css";

/** "doubling the data (480 → 960 examples) is predicted to raise fields from 0.780 to 0.860 [0.820, 0.900]", as `tunelab curve` says it. */
export function projectionSentence(c: ProjectCurve, metric: string, p: ProjectCurve["curve"]["projections"][number]): string {
  const largest = c.members.at(-1);
  const from = largest?.score ?? 0;
  const what = largest && p.n === 2 * largest.examples ? "doubling the data" : "training";
  return `${what} (${count(largest?.examples ?? 0)} → ${count(p.n)} examples) is predicted to ${p.y >= from ? "raise" : "change"} ${metric} from ${score(from)} to ${score(p.y)} [${score(p.interval.low)}, ${score(p.interval.high)}]`;
}

function CurveCard(props: { curve: ProjectCurve; metric: string }) {
  const fit = () => props.curve.curve.fit;
  const asymptote = () => props.curve.curve.asymptote;
  return (
    <div class="card chart-card curve-card" data-testid="curve-card">
      <div class="card-head">
        <h2>{props.curve.setup}</h2>
        <span class="muted">
          {props.curve.members.length} experiments · {props.curve.curve.resamples} resamples
        </span>
      </div>
      <CurveChart curve={props.curve} metric={props.metric} />
      <ul class="curve-projections">
        <For each={props.curve.curve.projections}>
          {(p) => <li data-testid="curve-projection">{projectionSentence(props.curve, props.metric, p)}</li>}
        </For>
      </ul>
      <p class="curve-fit" data-testid="curve-fit">
        fit: {props.metric} ≈ {score(fit().a)} − {score(fit().b)} · n<sup>−{score(fit().c)}</sup> (n = training examples)
      </p>
      <p class="muted">
        With unlimited data: {score(asymptote().y)} [{score(asymptote().interval.low)}, {score(asymptote().interval.high)}]. Intervals are
        95%, from {props.curve.curve.resamples} paired bootstrap resamples of the test items.
      </p>
      <table class="curve-members">
        <thead>
          <tr>
            <th>experiment · dataset</th>
            <th class="num">examples</th>
            <th class="num">{props.metric}</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.curve.members}>
            {(m) => (
              <tr>
                <td>
                  <a href={`/experiments/${m.experimentId}`}>{m.name}</a>
                  <div class="muted">{m.dataset}</div>
                </td>
                <td class="num">{count(m.examples)}</td>
                <td class="num">{score(m.score)}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  );
}

/** A project's learning curves: experiments that differ only in data, the fitted power law and its projection. */
export default function LearningCurve(props: { project: string }) {
  usePage({ title: () => `${props.project} learning curve` });
  const curves = load(
    () => ({ project: props.project, at: query("at") }),
    (k) => read<ProjectCurves>(api.projects[":project"].curves.$get({ param: { project: k.project }, query: k.at ? { at: k.at } : {} })),
  );
  return (
    <section class="curve-page">
      <div class="page-head">
        <h1>
          {props.project} <span class="muted">learning curve</span>
        </h1>
        <Show when={curves.data()}>
          {(r) => (
            <p class="muted">
              {r().primaryMetric} on {r().testSplit} against training-set size, for experiments that differ only in their data.
            </p>
          )}
        </Show>
      </div>
      <Show when={curves.error()}>
        <ErrorNotice error={curves.error()} what="the learning curve" />
      </Show>
      <Show when={curves.data()} fallback={<Show when={!curves.error()}>{<Loading what="the learning curve" />}</Show>}>
        {(r) => (
          <>
            <Show when={r().curves.length === 0}>
              <Notice kind="empty" title="No learning curve yet">
                <p>
                  A curve needs completed experiments at three or more training-set sizes that differ only in their data. Train nested
                  subsets of one dataset: <code>tunelab sweep -d train@1 -m local-small --data-fractions 0.25,0.5,1</code>
                </p>
              </Notice>
            </Show>
            <For each={r().curves}>{(c) => <CurveCard curve={c} metric={r().primaryMetric} />}</For>
            <Show when={r().tooFew.length > 0}>
              <div class="card curve-too-few" data-testid="curve-too-few">
                <h2>Fewer than three data sizes (no curve)</h2>
                <ul>
                  <For each={r().tooFew}>{(setup) => <li>{setup}</li>}</For>
                </ul>
              </div>
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}
