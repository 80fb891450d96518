import { createEffect, createMemo, createSignal, For, Show } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { api, read } from "../api/client.ts";
import type { ExperimentStatus, LeaderboardRow, LeaderboardSort } from "../api/types.ts";
import { ErrorNotice, Loading, Notice } from "../components/Notice.tsx";
import { type ScoreAxis, ScoreChart } from "../components/ScoreChart.tsx";
import { onLive } from "../lib/live.ts";
import { load, throttle } from "../lib/load.ts";
import { usePage } from "../lib/page.ts";
import { navigate, query, setQuery } from "../lib/router.ts";
import { TRAINED_TOKENS_NOTE } from "../lib/tokens.ts";
import { BoardTable, type LiveState } from "./leaderboard/BoardTable.tsx";
import { BoardVersionSelects, OlderBoardNotes } from "./leaderboard/BoardVersions.tsx";
import { CurvePanel } from "./leaderboard/CurvePanel.tsx";
import { StartLinks } from "./leaderboard/StartLinks.tsx";

/** The columns the API sorts by (every one of them, no other: a Record over the API's own list). */
const SORTS: Record<LeaderboardSort, true> = {
  rank: true,
  score: true,
  name: true,
  created: true,
  trained_tokens: true,
  training_seconds: true,
  cost: true,
  dataset: true,
  model: true,
  method: true,
  status: true,
};
const isSort = (column: string): column is LeaderboardSort => Object.hasOwn(SORTS, column);
const STATUSES = ["completed", "created", "uploading", "training", "evaluating", "failed", "cancelled"];
const FINISHED = new Set(["completed", "failed", "cancelled"]);
/** Default direction per column: bigger is better for scores and sizes. */
const DESC_FIRST = new Set<LeaderboardSort>(["score", "trained_tokens"]);
/** Rows per page unless the link asks for fewer (`?per=`); the whole board (up to the API's 10,000) backs ranks and filters. */
const PER_PAGE = 1_000;
const WHOLE_BOARD = "10000";
const positive = (raw: string, fallback: number, max: number) => {
  const n = Number(raw);
  return raw !== "" && Number.isInteger(n) && n >= 1 ? Math.min(n, max) : fallback;
};

/** Experiments and baselines of a project ranked by the primary metric, with filters, a chart and compare. */
export default function Leaderboard(props: { project: string }) {
  usePage({ title: () => `${props.project} leaderboard` });
  // the server sorts (a column it does not sort by, in an old link, falls back to rank)
  const sort = (): LeaderboardSort => {
    const column = query("sort");
    return isSort(column) ? column : "rank";
  };
  const order = (): "asc" | "desc" => {
    const asked = query("order");
    if (asked === "asc" || asked === "desc") return asked;
    return DESC_FIRST.has(sort()) ? "desc" : "asc";
  };
  const axis = (): ScoreAxis => (query("x") === "tokens" ? "tokens" : "examples");
  const selected = () => query("sel").split(",").filter(Boolean);
  const per = () => positive(query("per"), PER_PAGE, PER_PAGE);
  const page = () => positive(query("page"), 1, Number.MAX_SAFE_INTEGER);
  /** The board's test split version (`?split=test@1`); none: the current split's board. */
  const split = () => query("split");
  /** The board's grader set version (`?graders=graders@1`); none: the current grader set's board. */
  const graders = () => query("graders");

  const board = load(
    () => ({
      project: props.project,
      split: split(),
      graders: graders(),
      dataset: query("dataset"),
      model: query("model"),
      method: query("method"),
      status: query("status"),
      sort: sort(),
      order: order(),
      per: per(),
      page: page(),
    }),
    (k) =>
      read(
        api.projects[":project"].leaderboard.$get({
          param: { project: k.project },
          query: {
            sort: k.sort,
            order: k.order,
            ...(k.split ? { split: k.split } : {}),
            ...(k.graders ? { graders: k.graders } : {}),
            ...(k.dataset ? { dataset: k.dataset } : {}),
            ...(k.model ? { model: k.model } : {}),
            ...(k.method ? { method: k.method as LeaderboardRow["method"] } : {}),
            ...(k.status ? { status: k.status as ExperimentStatus } : {}),
            limit: k.per,
            ...(k.page > 1 ? { offset: (k.page - 1) * k.per } : {}),
          },
        }),
      ),
  );
  /** The board has more rows than this page shows. */
  const paged = () => {
    const data = board.data();
    return page() > 1 || (data !== undefined && data.total > data.rows.length);
  };
  // options for the filters, from the unfiltered board
  const filtered = () => Boolean(query("q") || query("status") || query("dataset") || query("model") || query("method"));
  const serverFiltered = () => Boolean(query("status") || query("dataset") || query("model") || query("method"));
  // unfiltered and on one page, the board itself provides the options
  const whole = () => serverFiltered() || paged();
  const all = load(
    () => (whole() ? { project: props.project, split: split(), graders: graders() } : null),
    (k) =>
      read(
        api.projects[":project"].leaderboard.$get({
          param: { project: k.project },
          query: { limit: WHOLE_BOARD, ...(k.split ? { split: k.split } : {}), ...(k.graders ? { graders: k.graders } : {}) },
        }),
      ),
  );
  const [live, setLive] = createSignal<Record<string, LiveState>>({});
  const refresh = throttle(() => {
    board.refetch();
    if (whole()) all.refetch();
  }, 400);
  const known = (id: string) => board.data()?.rows.some((r) => r.experimentId === id) ?? false;
  onLive("experiment", (e) => {
    setLive((m) => ({ ...m, [e.experimentId]: { status: e.status } }));
    // a deleted experiment's event carries its last status (a never-run one: created): its row goes whatever that is
    if (e.message === "deleted" || FINISHED.has(e.status) || e.status === "evaluating" || !known(e.experimentId)) refresh();
  });
  onLive("metrics", (e) => setLive((m) => ({ ...m, [e.experimentId]: { status: "training", detail: `${e.step}/${e.totalSteps}` } })));
  onLive("eval", (e) => {
    if (!e.experimentId) return;
    const id = e.experimentId;
    setLive((m) => ({ ...m, [id]: { status: "evaluating", detail: `${e.progress.done}/${e.progress.total}` } }));
  });
  const statusOf = (row: LeaderboardRow): LiveState => {
    const l = live()[row.experimentId];
    // a finished row from the server wins over stale live state
    if (!l || FINISHED.has(row.status)) return { status: row.status };
    return l;
  };

  // the primary metric has the score column; the other graders one column each
  const graderNames = createMemo(() => {
    const data = board.data();
    const names = new Set<string>();
    for (const row of data?.rows ?? []) for (const name of Object.keys(row.graders)) names.add(name);
    if (data?.primaryMetric) names.delete(data.primaryMetric);
    return [...names].sort();
  });
  // ranks are the whole board's: a filter narrows the rows, it never renumbers them
  const ranks = createMemo(() => {
    const source = serverFiltered() ? all.data() : board.data();
    return new Map((source?.rows ?? []).map((r) => [r.experimentId, r.rank]));
  });
  const rankOf = (row: LeaderboardRow) => (ranks().has(row.experimentId) ? (ranks().get(row.experimentId) ?? null) : row.rank);

  // rows keep their identity across refetches (live events), so the table updates in place and a focused
  // checkbox or link keeps its focus
  const [stable, setStable] = createStore<{ rows: LeaderboardRow[] }>({ rows: [] });
  createEffect(() => {
    // filtered rows wait for the whole board, whose ranks they show (before it loaded, they showed the filtered ranks)
    if (serverFiltered() && !all.data() && !all.error()) return;
    setStable("rows", reconcile(board.data()?.rows ?? [], { key: "experimentId" }));
  });

  // in the server's order; the search box narrows what is shown
  const rows = createMemo(() => {
    const data = stable.rows;
    const q = query("q").toLowerCase();
    return q ? data.filter((r) => r.name.toLowerCase().includes(q) || r.experimentId.includes(q) || (r.dataset ?? "").includes(q)) : data;
  });

  const onSort = (column: LeaderboardSort) => {
    const next = sort() === column ? (order() === "asc" ? "desc" : "asc") : DESC_FIRST.has(column) ? "desc" : "asc";
    setQuery({ sort: column === "rank" && next === "asc" ? null : column, order: next, page: null });
  };
  // compare takes two: a third tick is refused, and the page says so (it never drops a row silently)
  const [refused, setRefused] = createSignal<string>();
  const toggle = (id: string): boolean => {
    const current = selected();
    if (current.includes(id)) {
      setRefused(undefined);
      setQuery({ sel: current.filter((x) => x !== id).join(",") });
      return true;
    }
    if (current.length >= 2) {
      const names = current.map((x) => stable.rows.find((r) => r.experimentId === x)?.name ?? x);
      setRefused(`Compare takes two experiments: untick ${names.join(" or ")} first.`);
      return false;
    }
    setRefused(undefined);
    setQuery({ sel: [...current, id].join(",") });
    return true;
  };
  const compare = () => {
    const [a, b] = selected();
    if (a && b) navigate(`/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}&project=${encodeURIComponent(props.project)}`);
  };
  const options = (pick: (r: LeaderboardRow) => string | null) => {
    const values = new Set<string>();
    const source = whole() ? (all.data() ?? board.data()) : board.data();
    for (const r of source?.rows ?? []) {
      const v = pick(r);
      if (v) values.add(v);
    }
    return [...values].sort();
  };
  const maxScore = createMemo(() => {
    let max = 1;
    for (const r of board.data()?.rows ?? []) max = Math.max(max, r.interval?.high ?? r.score ?? 0);
    return max;
  });

  return (
    <section class="leaderboard">
      <div class="page-head">
        <h1>
          {props.project} <span class="muted">leaderboard</span>
        </h1>
        <StartLinks project={props.project} />
        <Show when={board.data()?.primaryMetric}>
          {(metric) => (
            <p class="muted">
              Ranked by <strong>{metric()}</strong> (mean with 95% interval) on the project's test split
              {board.data()?.testSplit ? ` ${board.data()?.testSplit}` : ""}
              {board.data()?.graderSet ? ` with grader set ${board.data()?.graderSet}` : ""}.
            </p>
          )}
        </Show>
      </div>
      <Show when={board.error()}>
        <ErrorNotice error={board.error()} what="the leaderboard" />
      </Show>
      <Show when={board.data()} fallback={<Show when={!board.error()}>{<Loading what="the leaderboard" />}</Show>}>
        {(data) => (
          <>
            <form class="filters" aria-label="filters" onSubmit={(e) => e.preventDefault()}>
              <label>
                Search
                <input
                  type="search"
                  name="q"
                  placeholder="name, id or dataset"
                  value={query("q")}
                  onInput={(e) => setQuery({ q: e.currentTarget.value })}
                />
              </label>
              <BoardVersionSelects project={props.project} on={data()} />
              <label>
                Status
                <select name="status" value={query("status")} onChange={(e) => setQuery({ status: e.currentTarget.value, page: null })}>
                  <option value="">any</option>
                  <For each={STATUSES}>{(s) => <option value={s}>{s}</option>}</For>
                </select>
              </label>
              <label>
                Dataset
                <select name="dataset" value={query("dataset")} onChange={(e) => setQuery({ dataset: e.currentTarget.value, page: null })}>
                  <option value="">any</option>
                  <For each={options((r) => r.dataset)}>{(d) => <option value={d}>{d}</option>}</For>
                </select>
              </label>
              <label>
                Base model
                <select name="model" value={query("model")} onChange={(e) => setQuery({ model: e.currentTarget.value, page: null })}>
                  <option value="">any</option>
                  <For each={options((r) => r.baseModel)}>{(m) => <option value={m}>{m}</option>}</For>
                </select>
              </label>
              <label>
                Method
                <select name="method" value={query("method")} onChange={(e) => setQuery({ method: e.currentTarget.value, page: null })}>
                  <option value="">any</option>
                  <For each={options((r) => r.method)}>{(m) => <option value={m}>{m === "none" ? "none (baseline)" : m}</option>}</For>
                </select>
              </label>
              <Show when={filtered()}>
                <button
                  type="button"
                  class="link"
                  onClick={() => setQuery({ q: null, status: null, dataset: null, model: null, method: null, page: null })}
                >
                  Clear filters
                </button>
              </Show>
              <span class="spacer" />
              <button type="button" class="primary" disabled={selected().length !== 2} onClick={compare} data-testid="compare-button">
                Compare {selected().length}/2
              </button>
            </form>

            <OlderBoardNotes on={data()} />
            <Show when={data().elsewhere.length > 0}>
              <p class="note">
                {data().elsewhere.reduce((n, e) => n + e.experiments, 0)} experiment(s) were scored on another test split or grader set and
                are not ranked here: re-run their eval to put them on the current board.
              </p>
            </Show>

            <Show
              when={data().rows.length > 0}
              fallback={
                <Show
                  when={page() > 1 && data().total > 0}
                  fallback={
                    <Show
                      when={filtered()}
                      fallback={
                        <Notice kind="empty" title="No experiments yet">
                          <p>
                            Score the base model first: <code>tunelab baseline --model local-tiny</code>, then train one:{" "}
                            <code>tunelab exp create --dataset train@1 --model local-tiny</code>. Experiments show up here live.
                          </p>
                          <p>
                            Nothing to train on? Import data on the <a href={`/projects/${props.project}/datasets`}>Datasets</a> page's
                            instructions, and set graders on <a href={`/projects/${props.project}/graders`}>Graders</a>.
                          </p>
                        </Notice>
                      }
                    >
                      <Notice kind="empty" title="No experiment matches these filters">
                        <p>
                          Loosen a filter or{" "}
                          <button
                            type="button"
                            class="link"
                            onClick={() => setQuery({ q: null, status: null, dataset: null, model: null, method: null })}
                          >
                            clear them all
                          </button>
                          .
                        </p>
                      </Notice>
                    </Show>
                  }
                >
                  <Notice kind="empty" title="This page is past the last one">
                    <p>
                      The board has {data().total} row(s).{" "}
                      <button type="button" class="link" onClick={() => setQuery({ page: null })}>
                        Go to the first page
                      </button>
                      .
                    </p>
                  </Notice>
                </Show>
              }
            >
              <div class="board-grid">
                <div class="card chart-card">
                  <div class="card-head">
                    <h2>
                      {data().primaryMetric ?? "score"} vs {axis() === "examples" ? "dataset size" : "trained tokens"}
                    </h2>
                    <fieldset class="segmented">
                      <legend class="sr-only">x axis</legend>
                      <button type="button" aria-pressed={axis() === "examples"} onClick={() => setQuery({ x: null })}>
                        dataset size
                      </button>
                      <button type="button" aria-pressed={axis() === "tokens"} onClick={() => setQuery({ x: "tokens" })}>
                        trained tokens
                      </button>
                    </fieldset>
                  </div>
                  <Show
                    when={rows().some((r) => r.score !== null)}
                    fallback={
                      <p class="muted chart-empty" data-testid="chart-empty">
                        {rows().length === 0 ? "No experiment matches: nothing to plot." : "None of these experiments is scored yet."}
                      </p>
                    }
                  >
                    {/* a new chart for another axis or metric (another grader set's board): its axes are set as it is made */}
                    <Show when={`${axis()} ${data().primaryMetric ?? "score"}`} keyed>
                      {(_key) => (
                        <ScoreChart
                          rows={rows()}
                          axis={axis()}
                          metric={data().primaryMetric ?? "score"}
                          onOpen={(id) => navigate(`/experiments/${id}`)}
                        />
                      )}
                    </Show>
                  </Show>
                </div>
                <CurvePanel project={props.project} split={split()} graders={graders()} on={data()} />
                <div class="board-main">
                  <p class="muted count" aria-live="polite">
                    {rows().length} of {data().total} experiment(s){board.loading() ? " · updating…" : ""}
                    {selected().length > 0 ? ` · ${selected().length} selected` : " · tick two rows to compare them"}
                    <Show when={refused()}>
                      {(message) => (
                        <span class="refused" data-testid="compare-refused">
                          {" "}
                          · {message()}
                        </span>
                      )}
                    </Show>
                  </p>
                  <BoardTable
                    rows={rows()}
                    primaryMetric={data().primaryMetric}
                    graders={graderNames()}
                    sort={sort()}
                    order={order()}
                    onSort={onSort}
                    isSelected={(id) => selected().includes(id)}
                    onToggle={toggle}
                    statusOf={statusOf}
                    rankOf={rankOf}
                    maxScore={maxScore()}
                  />
                  <Show when={paged()}>
                    <nav class="pager" aria-label="pages" data-testid="board-pager">
                      <button type="button" disabled={page() <= 1} onClick={() => setQuery({ page: page() > 2 ? page() - 1 : null })}>
                        ‹ Previous
                      </button>
                      <span class="muted" data-testid="board-range">
                        rows {data().offset + 1}–{data().offset + data().rows.length} of {data().total}
                        {query("q") ? " (the search box looks at this page only)" : ""}
                      </span>
                      <button
                        type="button"
                        disabled={data().offset + data().rows.length >= data().total}
                        onClick={() => setQuery({ page: page() + 1 })}
                      >
                        Next ›
                      </button>
                    </nav>
                  </Show>
                  <p class="muted footnote" data-testid="tokens-note">
                    * {TRAINED_TOKENS_NOTE}
                  </p>
                  <Show when={rows().length === 0}>
                    <Notice kind="empty" title="No experiment matches the search">
                      <p>Try another name, or clear the search box.</p>
                    </Notice>
                  </Show>
                </div>
              </div>
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}
