import { For, Show } from "solid-js";
import { api, read } from "../api/client.ts";
import type { CurveAxis, ProjectCurve } from "../api/types.ts";
import { ErrorNotice, Loading, Notice } from "../components/Notice.tsx";
import { count, score } from "../lib/format.ts";
import { load } from "../lib/load.ts";
import { usePage } from "../lib/page.ts";
import { currentUrl, query, setQuery } from "../lib/router.ts";
import { CurveChart } from "./curve/CurveChart.tsx";
import { projectionSentence } from "./curve/projection.ts";
import "./curve/curve.css";

/** The curve's x axis from the page's `x` query parameter (the leaderboard's chart toggle uses the same one). */
export const curveAxis = (): CurveAxis => (query("x") === "tokens" ? "tokens" : "examples");

/** Training examples or trained tokens: the x-axis toggle, kept in the `x` query parameter. */
export function AxisToggle() {
  return (
    <fieldset class="segmented" data-testid="curve-axis">
      <legend class="sr-only">x axis</legend>
      <button type="button" aria-pressed={curveAxis() === "examples"} onClick={() => setQuery({ x: null })}>
        training examples
      </button>
      <button type="button" aria-pressed={curveAxis() === "tokens"} onClick={() => setQuery({ x: "tokens" })}>
        trained tokens
      </button>
    </fieldset>
  );
}

function CurveCard(props: { curve: ProjectCurve; metric: string; x: CurveAxis }) {
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
      <CurveChart curve={props.curve} metric={props.metric} x={props.x} />
      <ul class="curve-projections">
        <For each={props.curve.curve.projections}>
          {(p) => <li data-testid="curve-projection">{projectionSentence(props.curve, props.metric, p, props.x)}</li>}
        </For>
      </ul>
      <p class="curve-fit" data-testid="curve-fit">
        fit: {props.metric} ≈ {score(fit().a)} − {score(fit().b)} · n<sup>−{score(fit().c)}</sup> (n = {props.curve.xLabel})
      </p>
      <p class="muted">
        With unlimited {props.x === "tokens" ? "training" : "data"}: {score(asymptote().y)} [{score(asymptote().interval.low)},{" "}
        {score(asymptote().interval.high)}]. Intervals are 95%, from {props.curve.curve.resamples} paired bootstrap resamples of the test
        items.
      </p>
      <div class="curve-members-wrap">
        <table class="curve-members">
          <thead>
            <tr>
              <th>experiment · dataset</th>
              <th class="num">examples</th>
              <th class="num" title={props.curve.xLabel}>
                trained tokens
              </th>
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
                  <td class="num">{count(m.trainedTokens)}</td>
                  <td class="num">{score(m.score)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** A project's learning curves: experiments that differ only in data, the fitted power law and its projection. */
export default function LearningCurve(props: { project: string }) {
  usePage({ title: () => `${props.project} learning curve` });
  // a curve needs a test split and graders: without them the page says how to add them instead of asking for a curve
  const setup = load(
    () => props.project,
    async (project) => {
      const [split, graders] = await Promise.all([
        read(api.projects[":project"]["test-split"].$get({ param: { project } })),
        read(api.projects[":project"].graders.$get({ param: { project } })),
      ]);
      return { testSplit: split.data.length > 0, graders: graders.current !== null };
    },
  );
  const ready = () => setup.data()?.testSplit === true && setup.data()?.graders === true;
  // the curves of an older test split or grader set (`?split=test@1`, `?graders=graders@1`, as the leaderboard's link
  // to this page keeps them); none: the current ones
  const curves = load(
    () => ready() && { project: props.project, at: query("at"), x: curveAxis(), split: query("split"), graders: query("graders") },
    (k) =>
      read(
        api.projects[":project"].curves.$get({
          param: { project: k.project },
          query: {
            ...(k.at ? { at: k.at } : {}),
            ...(k.x === "tokens" ? { x: k.x } : {}),
            ...(k.split ? { split: k.split } : {}),
            ...(k.graders ? { graders: k.graders } : {}),
          },
        }),
      ),
  );
  /** This page's link on the current test split and grader set. */
  const currentHref = () => {
    const next = new URL(currentUrl().href);
    next.searchParams.delete("split");
    next.searchParams.delete("graders");
    return next.pathname + next.search;
  };
  return (
    <section class="curve-page">
      <div class="page-head">
        <h1>
          {props.project} <span class="muted">learning curve</span>
        </h1>
        <Show when={curves.data()}>
          {(r) => (
            <p class="muted">
              {r().primaryMetric} on {r().testSplit} with {r().graderSet} against{" "}
              {r().x === "tokens" ? "trained tokens" : "training-set size"}, for experiments that differ only in their data.
            </p>
          )}
        </Show>
        <Show when={curves.data() && (query("split") || query("graders"))}>
          <p class="note" data-testid="curve-older">
            The link asks for the experiments scored on {curves.data()?.testSplit} with {curves.data()?.graderSet}:{" "}
            <a href={currentHref()}>see the curves of the current test split and grader set</a>.
          </p>
        </Show>
        <AxisToggle />
      </div>
      <Show when={setup.error() ?? curves.error()}>
        <ErrorNotice error={setup.error() ?? curves.error()} what="the learning curve" />
      </Show>
      <Show when={setup.data() && !ready()}>
        <Notice kind="empty" title="No learning curve yet">
          <p data-testid="curve-needs-setup">
            Experiments are scored on the project's test split by its graders, so a curve needs both first
            {setup.data()?.testSplit ? "" : " (this project has no test split yet)"}
            {setup.data()?.graders ? "" : " (this project has no graders yet)"}:
          </p>
          <Show when={!setup.data()?.testSplit}>
            <p>
              <code>tunelab split test.jsonl --project {props.project}</code>
            </p>
          </Show>
          <Show when={!setup.data()?.graders}>
            <p>
              <code>tunelab graders add graders.json --project {props.project}</code>
            </p>
          </Show>
        </Notice>
      </Show>
      <Show
        when={curves.data()}
        fallback={
          <Show when={!curves.error() && !setup.error() && (!setup.data() || ready())}>{<Loading what="the learning curve" />}</Show>
        }
      >
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
            <For each={r().curves}>{(c) => <CurveCard curve={c} metric={r().primaryMetric} x={r().x} />}</For>
            <Show when={r().noTokens.length > 0}>
              <p class="note" data-testid="curve-no-tokens">
                Left out on the trained-tokens axis (their provider reported no trained tokens): {r().noTokens.join(", ")}.
              </p>
            </Show>
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
