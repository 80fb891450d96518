import { createEffect, createMemo, createSignal, For, Show } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { api, read } from "../api/client.ts";
import type { Leaderboard as Board, LeaderboardRow } from "../api/types.ts";
import { IntervalBar } from "../components/IntervalBar.tsx";
import { ErrorNotice, Loading, Notice } from "../components/Notice.tsx";
import { type ScoreAxis, ScoreChart } from "../components/ScoreChart.tsx";
import { SortHeader } from "../components/SortHeader.tsx";
import { StatusBadge } from "../components/Status.tsx";
import { count, duration, hyper, percent, score, usd } from "../lib/format.ts";
import { onLive } from "../lib/live.ts";
import { load, throttle } from "../lib/load.ts";
import { usePage } from "../lib/page.ts";
import { navigate, query, setQuery } from "../lib/router.ts";
import { TRAINED_TOKENS_NOTE, trainedTokensMean } from "../lib/tokens.ts";

/** Sort keys as the API sorts them (nulls last either way); sorting in the page reorders rows without a reload. */
const SORT_KEYS: Record<string, (r: LeaderboardRow) => number | string | null> = {
  rank: (r) => r.rank,
  score: (r) => r.score,
  name: (r) => r.name,
  created: (r) => r.createdAt,
  trained_tokens: (r) => r.trainedTokens,
  training_seconds: (r) => r.trainingSeconds,
  cost: (r) => r.costUsd,
  dataset: (r) => r.dataset,
  examples: (r) => r.datasetExamples,
  model: (r) => r.baseModel,
  method: (r) => r.method,
  status: (r) => r.status,
};
const STATUSES = ["completed", "created", "uploading", "training", "evaluating", "failed", "cancelled"];
const FINISHED = new Set(["completed", "failed", "cancelled"]);
/** Default direction per column: bigger is better for scores and sizes. */
const DESC_FIRST = new Set(["score", "trained_tokens", "examples"]);

interface LiveState {
  status: string;
  detail?: string;
}

/** Experiments and baselines of a project ranked by the primary metric, with filters, a chart and compare. */
export default function Leaderboard(props: { project: string }) {
  usePage({ title: () => `${props.project} leaderboard` });
  const sort = () => query("sort") || "rank";
  const order = (): "asc" | "desc" =>
    query("order") === "asc" || query("order") === "desc"
      ? (query("order") as "asc" | "desc")
      : DESC_FIRST.has(sort()) || sort().startsWith("g:")
        ? "desc"
        : "asc";
  const axis = (): ScoreAxis => (query("x") === "tokens" ? "tokens" : "examples");
  const selected = () => query("sel").split(",").filter(Boolean);

  const board = load(
    () => ({
      project: props.project,
      dataset: query("dataset"),
      model: query("model"),
      method: query("method"),
      status: query("status"),
    }),
    (k) =>
      read<Board>(
        api.projects[":project"].leaderboard.$get({
          param: { project: k.project },
          query: {
            ...(k.dataset ? { dataset: k.dataset } : {}),
            ...(k.model ? { model: k.model } : {}),
            ...(k.method ? { method: k.method as LeaderboardRow["method"] } : {}),
            ...(k.status ? { status: k.status } : {}),
          },
        }),
      ),
  );
  // options for the filters, from the unfiltered board
  const filtered = () => Boolean(query("q") || query("status") || query("dataset") || query("model") || query("method"));
  const serverFiltered = () => Boolean(query("status") || query("dataset") || query("model") || query("method"));
  // unfiltered, the board itself provides the options
  const all = load(
    () => (serverFiltered() ? { project: props.project } : null),
    (k) => read<Board>(api.projects[":project"].leaderboard.$get({ param: { project: k.project }, query: {} })),
  );

  const [live, setLive] = createSignal<Record<string, LiveState>>({});
  const refresh = throttle(() => {
    board.refetch();
    if (serverFiltered()) all.refetch();
  }, 400);
  const known = (id: string) => board.data()?.rows.some((r) => r.experimentId === id) ?? false;
  onLive("experiment", (e) => {
    setLive((m) => ({ ...m, [e.experimentId]: { status: e.status } }));
    if (FINISHED.has(e.status) || e.status === "evaluating" || !known(e.experimentId)) refresh();
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

  const graderNames = createMemo(() => {
    const data = board.data();
    const names = new Set<string>();
    for (const row of data?.rows ?? []) for (const name of Object.keys(row.graders)) names.add(name);
    const primary = data?.primaryMetric;
    return [...names].sort((a, b) => (a === primary ? -1 : b === primary ? 1 : a < b ? -1 : 1));
  });

  // rows keep their identity across refetches (live events), so the table updates in place and a focused
  // checkbox or link keeps its focus
  const [stable, setStable] = createStore<{ rows: LeaderboardRow[] }>({ rows: [] });
  createEffect(() => setStable("rows", reconcile(board.data()?.rows ?? [], { key: "experimentId" })));

  const rows = createMemo(() => {
    const data = stable.rows;
    const q = query("q").toLowerCase();
    let out = q
      ? data.filter((r) => r.name.toLowerCase().includes(q) || r.experimentId.includes(q) || (r.dataset ?? "").includes(q))
      : data;
    const s = sort();
    const key = SORT_KEYS[s] ?? ((r: LeaderboardRow) => (s.startsWith("g:") ? (r.graders[s.slice(2)]?.mean ?? null) : null));
    const direction = order() === "asc" ? 1 : -1;
    out = [...out].sort((a, b) => {
      const x = key(a);
      const y = key(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * direction;
    });
    return out;
  });

  const onSort = (column: string) => {
    const next =
      sort() === column ? (order() === "asc" ? "desc" : "asc") : DESC_FIRST.has(column) || column.startsWith("g:") ? "desc" : "asc";
    setQuery({ sort: column === "rank" && next === "asc" ? null : column, order: next });
  };
  const toggle = (id: string) => {
    const current = selected();
    const next = current.includes(id) ? current.filter((x) => x !== id) : [...current, id].slice(-2);
    setQuery({ sel: next.join(",") });
  };
  const compare = () => {
    const [a, b] = selected();
    if (a && b) navigate(`/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}&project=${encodeURIComponent(props.project)}`);
  };
  const options = (pick: (r: LeaderboardRow) => string | null) => {
    const values = new Set<string>();
    const source = serverFiltered() ? (all.data() ?? board.data()) : board.data();
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
        <Show when={board.data()?.primaryMetric}>
          {(metric) => (
            <p class="muted">
              Ranked by <strong>{metric()}</strong> (mean with 95% interval) on the project's test split.
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
              <label>
                Status
                <select name="status" value={query("status")} onChange={(e) => setQuery({ status: e.currentTarget.value })}>
                  <option value="">any</option>
                  <For each={STATUSES}>{(s) => <option value={s}>{s}</option>}</For>
                </select>
              </label>
              <label>
                Dataset
                <select name="dataset" value={query("dataset")} onChange={(e) => setQuery({ dataset: e.currentTarget.value })}>
                  <option value="">any</option>
                  <For each={options((r) => r.dataset)}>{(d) => <option value={d}>{d}</option>}</For>
                </select>
              </label>
              <label>
                Base model
                <select name="model" value={query("model")} onChange={(e) => setQuery({ model: e.currentTarget.value })}>
                  <option value="">any</option>
                  <For each={options((r) => r.baseModel)}>{(m) => <option value={m}>{m}</option>}</For>
                </select>
              </label>
              <label>
                Method
                <select name="method" value={query("method")} onChange={(e) => setQuery({ method: e.currentTarget.value })}>
                  <option value="">any</option>
                  <For each={options((r) => r.method)}>{(m) => <option value={m}>{m === "none" ? "none (baseline)" : m}</option>}</For>
                </select>
              </label>
              <Show when={filtered()}>
                <button
                  type="button"
                  class="link"
                  onClick={() => setQuery({ q: null, status: null, dataset: null, model: null, method: null })}
                >
                  Clear filters
                </button>
              </Show>
              <span class="spacer" />
              <button type="button" class="primary" disabled={selected().length !== 2} onClick={compare} data-testid="compare-button">
                Compare {selected().length}/2
              </button>
            </form>

            <Show when={data().elsewhere.length > 0}>
              <p class="note">
                {data().elsewhere.reduce((n, e) => n + e.experiments, 0)} experiment(s) were scored on an older test split or grader set and
                are not ranked here: re-run their eval to put them on this board.
              </p>
            </Show>

            <Show
              when={data().rows.length > 0}
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
                  <Show when={axis()} keyed>
                    {(a) => <ScoreChart rows={rows()} axis={a} metric={data().primaryMetric ?? "score"} />}
                  </Show>
                </div>
              </div>
              <p class="muted count" aria-live="polite">
                {rows().length} of {data().rows.length} experiment(s){board.loading() ? " · updating…" : ""}
                {selected().length > 0 ? ` · ${selected().length} selected` : " · tick two rows to compare them"}
              </p>
              <div class="table-wrap">
                <table class="board" data-testid="leaderboard-table">
                  <caption class="sr-only">Leaderboard; column headers sort</caption>
                  <thead>
                    <tr>
                      <th scope="col" class="sel">
                        <span class="sr-only">select</span>
                      </th>
                      <SortHeader column="rank" sort={sort()} order={order()} onSort={onSort} class="num">
                        #
                      </SortHeader>
                      <SortHeader column="name" sort={sort()} order={order()} onSort={onSort}>
                        name
                      </SortHeader>
                      <SortHeader column="status" sort={sort()} order={order()} onSort={onSort}>
                        status
                      </SortHeader>
                      <SortHeader column="score" sort={sort()} order={order()} onSort={onSort} class="score-col">
                        {data().primaryMetric ?? "score"} · 95% CI
                      </SortHeader>
                      <For each={graderNames()}>
                        {(g) => (
                          <SortHeader
                            column={`g:${g}`}
                            sort={sort()}
                            order={order()}
                            onSort={onSort}
                            class="num"
                            title={`${g}: mean · pass rate · errored`}
                          >
                            {g}
                          </SortHeader>
                        )}
                      </For>
                      <SortHeader column="dataset" sort={sort()} order={order()} onSort={onSort}>
                        dataset
                      </SortHeader>
                      <SortHeader column="examples" sort={sort()} order={order()} onSort={onSort} class="num">
                        examples
                      </SortHeader>
                      <SortHeader column="model" sort={sort()} order={order()} onSort={onSort}>
                        base model
                      </SortHeader>
                      <SortHeader column="method" sort={sort()} order={order()} onSort={onSort}>
                        method
                      </SortHeader>
                      <th scope="col">hyperparameters</th>
                      <SortHeader
                        column="trained_tokens"
                        sort={sort()}
                        order={order()}
                        onSort={onSort}
                        class="num"
                        title={TRAINED_TOKENS_NOTE}
                      >
                        trained tokens*
                      </SortHeader>
                      <SortHeader column="training_seconds" sort={sort()} order={order()} onSort={onSort} class="num">
                        duration
                      </SortHeader>
                      <SortHeader column="cost" sort={sort()} order={order()} onSort={onSort} class="num">
                        cost
                      </SortHeader>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={rows()}>
                      {(row) => {
                        const isSelected = () => selected().includes(row.experimentId);
                        return (
                          <tr data-id={row.experimentId} classList={{ selected: isSelected(), baseline: row.kind === "baseline" }}>
                            <td class="sel">
                              <input
                                type="checkbox"
                                checked={isSelected()}
                                onChange={() => toggle(row.experimentId)}
                                aria-label={`select ${row.name} for compare`}
                              />
                            </td>
                            <td class="num rank">{row.rank ?? "—"}</td>
                            <td class="name">
                              <a href={`/experiments/${row.experimentId}`}>{row.name}</a>
                              {row.kind === "baseline" && <span class="tag">baseline</span>}
                            </td>
                            <td>
                              <StatusBadge status={statusOf(row).status} detail={statusOf(row).detail} />
                            </td>
                            <td class="score-col">
                              <div class="score-cell">
                                <span class="num">{score(row.score)}</span>
                                <IntervalBar score={row.score} low={row.interval?.low} high={row.interval?.high} max={maxScore()} />
                                <span class="ci muted">
                                  {row.interval ? `${score(row.interval.low, 2)}–${score(row.interval.high, 2)}` : ""}
                                </span>
                              </div>
                            </td>
                            <For each={graderNames()}>
                              {(g) => {
                                const s = () => row.graders[g];
                                return (
                                  <td
                                    class="num grader"
                                    title={s() ? `n ${s()?.n} · pass ${percent(s()?.passRate, 1)} · errored ${s()?.errored}` : ""}
                                  >
                                    {score(s()?.mean)}
                                    <span class="muted sub">
                                      {percent(s()?.passRate)}
                                      {(s()?.errored ?? 0) > 0 ? <span class="errored"> · {s()?.errored} err</span> : ""}
                                    </span>
                                  </td>
                                );
                              }}
                            </For>
                            <td>{row.dataset ?? "—"}</td>
                            <td class="num">{count(row.datasetExamples)}</td>
                            <td class="model">{row.baseModel}</td>
                            <td class="method">{row.method}</td>
                            <td class="hyper">{row.kind === "baseline" ? "—" : hyper(row.hyperparameters)}</td>
                            <td class="num" title={`${trainedTokensMean(row.provider)}`}>
                              {count(row.trainedTokens)}
                            </td>
                            <td class="num">{duration(row.trainingSeconds)}</td>
                            <td class="num">{usd(row.costUsd)}</td>
                          </tr>
                        );
                      }}
                    </For>
                  </tbody>
                </table>
              </div>
              <p class="muted footnote" data-testid="tokens-note">
                * {TRAINED_TOKENS_NOTE}
              </p>
              <Show when={rows().length === 0}>
                <Notice kind="empty" title="No experiment matches the search">
                  <p>Try another name, or clear the search box.</p>
                </Notice>
              </Show>
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}
