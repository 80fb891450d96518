import { createMemo, Show } from "solid-js";
import { api, read } from "../../api/client.ts";
import type { ProjectCurve } from "../../api/types.ts";
import { onLive } from "../../lib/live.ts";
import { load, throttle } from "../../lib/load.ts";
import { query } from "../../lib/router.ts";
import { CurveChart } from "../curve/CurveChart.tsx";
import { projectionSentence } from "../curve/projection.ts";
import "./curve-panel.css";

const FINISHED = new Set(["completed", "failed", "cancelled"]);

/**
 * The leaderboard's compact learning curve: the project's largest curve (experiments that differ only in data),
 * on the x axis the leaderboard's toggle picks (`x`: training examples or trained tokens), with its projection
 * sentence and a link to the full curve page; or how to make one. Its experiments are the board's: scored on its test
 * split and grader set (`split`, `graders`: the versions the board's link asks for; empty: the current ones), and it
 * says which; curves of another split or grader set (the board's before a choice, while the new ones load) are never
 * shown beside it. Refetches when an experiment finishes.
 */
export function CurvePanel(props: {
  project: string;
  split: string;
  graders: string;
  /** The versions the board shown is on (as the leaderboard answered). */
  on: { testSplit: string | null; graderSet: string | null };
}) {
  const x = () => (query("x") === "tokens" ? "tokens" : "examples");
  /** The query the panel and its full-curve link ask with (only what differs from the defaults). */
  const asked = () => ({
    ...(x() === "tokens" ? { x: "tokens" as const } : {}),
    ...(props.split ? { split: props.split } : {}),
    ...(props.graders ? { graders: props.graders } : {}),
  });
  const curves = load(
    () => ({ project: props.project, query: asked() }),
    (k) => read(api.projects[":project"].curves.$get({ param: { project: k.project }, query: k.query })),
  );
  /** The curves, once they are the board's split's and grader set's. */
  const fresh = () => {
    const r = curves.data();
    return r && r.testSplit === props.on.testSplit && r.graderSet === props.on.graderSet ? r : undefined;
  };
  const refresh = throttle(() => curves.refetch(), 1_000);
  onLive("experiment", (e) => {
    if (FINISHED.has(e.status)) refresh();
  });
  /** The curve with the most experiments (the first of equals, in the API's order). */
  const shown = createMemo((): ProjectCurve | undefined =>
    (fresh()?.curves ?? []).reduce<ProjectCurve | undefined>(
      (best, c) => (!best || c.members.length > best.members.length ? c : best),
      undefined,
    ),
  );
  const full = () => {
    const search = new URLSearchParams(asked()).toString();
    return `/projects/${encodeURIComponent(props.project)}/curve${search ? `?${search}` : ""}`;
  };

  return (
    <div class="card chart-card curve-panel" data-testid="curve-panel">
      <div class="card-head">
        <h2>Learning curve</h2>
        <a href={full()} data-testid="curve-panel-link">
          Full curve{(fresh()?.curves.length ?? 0) > 1 ? ` (${fresh()?.curves.length} setups)` : ""} →
        </a>
      </div>
      <Show when={curves.error()}>
        <p class="muted chart-empty" data-testid="curve-panel-error">
          No learning curve: {(curves.error() as Error)?.message ?? String(curves.error())}
        </p>
      </Show>
      <Show when={fresh()} fallback={<Show when={!curves.error()}>{<p class="muted chart-empty">Loading the learning curve…</p>}</Show>}>
        {(r) => (
          <>
            <p class="muted curve-panel-on" data-testid="curve-panel-on">
              Experiments scored on {r().testSplit} with {r().graderSet}
            </p>
            <Show
              when={shown()}
              keyed
              fallback={
                <div class="chart-empty" data-testid="curve-panel-empty">
                  <p class="muted">
                    Is more data worth it? A learning curve needs completed experiments at three or more training-set sizes that differ only
                    in their data
                    {r().tooFew.length > 0 ? ` (${r().tooFew.length} setup${r().tooFew.length > 1 ? "s have" : " has"} fewer sizes)` : ""}
                    {r().noTokens.length > 0 ? `; ${r().noTokens.length} experiment(s) have no trained tokens reported` : ""}. Train nested
                    subsets of one dataset:
                  </p>
                  <code>tunelab sweep -d train@1 -m local-small --data-fractions 0.25,0.5,1</code>
                </div>
              }
            >
              {(c) => (
                <>
                  <p class="muted curve-panel-setup" title={c.setup}>
                    {c.setup}
                  </p>
                  <CurveChart
                    curve={c}
                    metric={r().primaryMetric}
                    x={r().x}
                    height={160}
                    // short enough for the panel: the leaderboard's footnote (*) says what trained tokens count
                    xTitle={r().x === "tokens" ? "trained tokens* (log scale)" : "training examples (log scale)"}
                  />
                  <Show when={c.curve.projections[0]}>
                    {(p) => (
                      <p class="curve-panel-projection" data-testid="curve-panel-projection">
                        {projectionSentence(c, r().primaryMetric, p(), r().x)}
                      </p>
                    )}
                  </Show>
                </>
              )}
            </Show>
          </>
        )}
      </Show>
    </div>
  );
}
