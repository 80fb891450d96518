import { createSignal, For, Show } from "solid-js";
import { api, read } from "../api/client.ts";
import type { ComparedItem, Comparison } from "../api/types.ts";
import { ErrorNotice, Loading, Notice } from "../components/Notice.tsx";
import { TextDiff } from "../components/TextDiff.tsx";
import { pValue, score, signed, value } from "../lib/format.ts";
import { load } from "../lib/load.ts";
import { projectName, usePage } from "../lib/page.ts";
import { query, setQuery } from "../lib/router.ts";
import { TagBreakdown } from "./compare/TagBreakdown.tsx";

const FIRST = 20;

/** A (baseline) against B (candidate): per-grader paired deltas, moved items side by side, setup differences. */
export default function Compare() {
  const pair = () => (query("a") && query("b") ? { a: query("a"), b: query("b") } : null);
  const result = load(pair, (k) => read(api.compare.$get({ query: k })));
  // the project: named in the link, or A's
  const aProject = load(
    () => (query("project") ? null : (result.data()?.a.experimentId ?? null)),
    async (id) => {
      const experiment = await read(api.experiments[":id"].$get({ param: { id } }));
      return projectName(experiment.projectId);
    },
  );
  const project = () => query("project") || aProject.data() || "";
  usePage({
    title: () => {
      const c = result.data();
      return c ? `${c.a.label} vs ${c.b.label}${project() ? ` · ${project()}` : ""}` : "Compare";
    },
    project,
  });
  return (
    <section class="compare">
      <Show
        when={pair()}
        fallback={
          <Notice kind="empty" title="Pick two experiments to compare">
            <p>
              On a project's leaderboard, tick two rows and press <strong>Compare</strong>. The first one ticked is A (the baseline), the
              second B. Links look like <code>/compare?a=exp_…&amp;b=exp_…</code>.
            </p>
          </Notice>
        }
      >
        <Show when={result.error()}>
          <ErrorNotice error={result.error()} what="the comparison" />
        </Show>
        <Show when={result.data()} fallback={<Show when={!result.error()}>{<Loading what="the comparison" />}</Show>}>
          {(c) => (
            <>
              <div class="page-head">
                <Show when={project()}>
                  <p class="muted">
                    <a href={`/projects/${project()}`}>{project()} leaderboard</a> › compare
                  </p>
                </Show>
                <h1>
                  <Side side={c().a} letter="A" /> <span class="muted">vs</span> <Side side={c().b} letter="B" />
                </h1>
                <p class="muted">
                  Deltas are B − A on the same test items, with a paired-bootstrap 95% interval; McNemar's exact test on the pass/fail
                  flips.{" "}
                  <button type="button" class="link" onClick={() => setQuery({ a: query("b"), b: query("a") })}>
                    Swap A and B
                  </button>
                </p>
                <Show when={Object.values(c().graders).find((g) => g.trials)?.trials}>
                  {(t) => (
                    <p class="muted" data-testid="compare-trials">
                      Repeated trials: A sampled each item {t().a} time{t().a === 1 ? "" : "s"}, B {t().b}. Means are item-weighted, the
                      interval and p-value come from a two-level paired bootstrap (items, then each side's trials), and an item counts as
                      passed when it passed in more than half its trials.
                    </p>
                  )}
                </Show>
              </div>

              <div class="card">
                <h2>Per grader</h2>
                <div class="table-wrap">
                  <table data-testid="compare-graders">
                    <thead>
                      <tr>
                        <th scope="col">grader</th>
                        <th scope="col" class="num">
                          n
                        </th>
                        <th scope="col" class="num">
                          A
                        </th>
                        <th scope="col" class="num">
                          B
                        </th>
                        <th scope="col" class="num">
                          Δ mean
                        </th>
                        <th scope="col">95% CI</th>
                        <th scope="col" class="num">
                          p
                        </th>
                        <th scope="col" class="num">
                          regressed
                        </th>
                        <th scope="col" class="num">
                          improved
                        </th>
                        <th scope="col" class="num">
                          McNemar p
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={Object.entries(c().graders)}>
                        {([name, g]) => {
                          const significant = () => g.delta.ci !== null && (g.delta.ci.low > 0 || g.delta.ci.high < 0);
                          const tone = () => (!significant() ? "" : (g.delta.mean ?? 0) > 0 ? "delta-good" : "delta-bad");
                          return (
                            <tr>
                              <td>
                                {name}
                                {name === c().primaryMetric && <span class="tag">primary</span>}
                              </td>
                              <td class="num">{g.n}</td>
                              <td class="num">{score(g.meanA)}</td>
                              <td class="num">{score(g.meanB)}</td>
                              <td class={`num ${tone()}`}>{signed(g.delta.mean)}</td>
                              <td class="muted">{g.delta.ci ? `${signed(g.delta.ci.low)} … ${signed(g.delta.ci.high)}` : "—"}</td>
                              <td class="num">{pValue(g.delta.pValue)}</td>
                              <td class="num">{g.regressed.length}</td>
                              <td class="num">{g.improved.length}</td>
                              <td class="num">{pValue(g.mcnemar.pValue)}</td>
                            </tr>
                          );
                        }}
                      </For>
                    </tbody>
                  </table>
                </div>
              </div>

              <TagBreakdown comparison={c()} />

              <div class="grid-2">
                <div class="card">
                  <h2>Hyperparameters that differ</h2>
                  <Show when={c().hyperparameters.length > 0} fallback={<p class="muted">Same base model, method and hyperparameters.</p>}>
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">setting</th>
                          <th scope="col">A</th>
                          <th scope="col">B</th>
                        </tr>
                      </thead>
                      <tbody>
                        <For each={c().hyperparameters}>
                          {(h) => (
                            <tr>
                              <td>{h.key}</td>
                              <td>{value(h.a)}</td>
                              <td>{value(h.b)}</td>
                            </tr>
                          )}
                        </For>
                      </tbody>
                    </table>
                  </Show>
                </div>
                <div class="card">
                  <h2>Training data</h2>
                  <Show
                    when={c().dataset}
                    fallback={<p class="muted">Neither side was trained (both are baselines or standalone runs).</p>}
                  >
                    {(d) => (
                      <dl class="kv">
                        <dt>A</dt>
                        <dd>{d().a ?? "— (not trained)"}</dd>
                        <dt>B</dt>
                        <dd>{d().b ?? "— (not trained)"}</dd>
                        <dt>going A → B</dt>
                        <dd>
                          {d().a === d().b ? (
                            "same dataset version"
                          ) : (
                            <>
                              <span class="delta-good">+{d().added}</span> examples added, <span class="delta-bad">−{d().removed}</span>{" "}
                              removed
                            </>
                          )}
                        </dd>
                      </dl>
                    )}
                  </Show>
                </div>
              </div>

              <Moved title="Regressed" hint="passed in A, fail in B" items={c().regressed} testId="regressed" tone="bad" />
              <Moved title="Improved" hint="failed in A, pass in B" items={c().improved} testId="improved" tone="good" />
              <Moved title="Both failed" hint="fail in A and in B" items={c().bothFailed} testId="both-failed" tone="both" />
            </>
          )}
        </Show>
      </Show>
    </section>
  );
}

function Side(props: { side: Comparison["a"]; letter: string }) {
  return (
    <span>
      <span class="muted">{props.letter} </span>
      {props.side.experimentId ? <a href={`/experiments/${props.side.experimentId}`}>{props.side.label}</a> : props.side.label}
      {props.side.method && <span class="tag">{props.side.method === "none" ? "baseline" : props.side.method}</span>}
    </span>
  );
}

function Moved(props: { title: string; hint: string; items: ComparedItem[]; testId: string; tone: "good" | "bad" | "both" }) {
  const [all, setAll] = createSignal(false);
  const shown = () => (all() ? props.items : props.items.slice(0, FIRST));
  return (
    <div class="card" data-testid={props.testId}>
      <div class="card-head">
        <h2>
          <span class={{ bad: "delta-bad", good: "delta-good", both: "" }[props.tone]}>{props.title}</span> · {props.items.length} item(s){" "}
          <span class="muted">({props.hint}, on the primary metric)</span>
        </h2>
      </div>
      <Show when={props.items.length > 0} fallback={<p class="muted">None.</p>}>
        <div class="moved">
          <For each={shown()}>
            {(item) => (
              <article data-item={item.itemId}>
                <strong>item {item.itemId}</strong> <span class="muted">{item.input.slice(0, 200)}</span>
                <div class="cols">
                  <div>
                    <h4>reference</h4>
                    <pre class="diff">{item.reference ?? "—"}</pre>
                  </div>
                  <div>
                    <h4>A output</h4>
                    <TextDiff reference={item.reference} output={item.outputA} />
                  </div>
                  <div>
                    <h4>B output</h4>
                    <TextDiff reference={item.reference} output={item.outputB} />
                  </div>
                </div>
              </article>
            )}
          </For>
        </div>
        <Show when={props.items.length > FIRST}>
          <button type="button" class="link" onClick={() => setAll(!all())}>
            {all() ? "Show fewer" : `Show all ${props.items.length}`}
          </button>
        </Show>
      </Show>
    </div>
  );
}
