import { For } from "solid-js";
import type { LeaderboardRow, LeaderboardSort } from "../../api/types.ts";
import { IntervalBar } from "../../components/IntervalBar.tsx";
import { SortHeader } from "../../components/SortHeader.tsx";
import { StatusBadge } from "../../components/Status.tsx";
import { count, duration, hyper, percent, score, usd } from "../../lib/format.ts";
import { TRAINED_TOKENS_NOTE, trainedTokensMean } from "../../lib/tokens.ts";

export interface LiveState {
  status: string;
  detail?: string;
}

export interface BoardTableProps {
  rows: LeaderboardRow[];
  primaryMetric: string | null;
  /** The other graders' names (the primary metric has the score column). */
  graders: string[];
  /** The column the server sorted the rows by. */
  sort: LeaderboardSort;
  order: "asc" | "desc";
  onSort: (column: LeaderboardSort) => void;
  isSelected: (id: string) => boolean;
  /** Returns false when the tick was refused (the checkbox is unticked again). */
  onToggle: (id: string) => boolean;
  statusOf: (row: LeaderboardRow) => LiveState;
  /** The row's rank on the unfiltered board (filters never renumber). */
  rankOf: (row: LeaderboardRow) => number | null;
  maxScore: number;
}

/**
 * The leaderboard's rows: the select, rank and name columns stay pinned while the rest scrolls sideways; the primary
 * metric has one column (score, interval, pass rate), every other grader its own.
 */
export function BoardTable(props: BoardTableProps) {
  // only the columns the API sorts by have a sort button; the others are plain headers
  const header = (column: LeaderboardSort, label: string, cls?: string, title?: string) => (
    <SortHeader column={column} sort={props.sort} order={props.order} onSort={props.onSort} class={cls} title={title}>
      {label}
    </SortHeader>
  );
  const plain = (label: string, cls?: string, title?: string) => (
    <th scope="col" class={cls} title={title}>
      {label}
    </th>
  );
  return (
    <div class="table-wrap board-wrap">
      <table class="board" data-testid="leaderboard-table">
        <caption class="sr-only">Leaderboard; column headers sort</caption>
        <thead>
          <tr>
            <th scope="col" class="sel pin">
              <span class="sr-only">select</span>
            </th>
            {header("rank", "#", "num rank pin", "rank on the whole board, by the primary metric")}
            {header("name", "name", "name pin")}
            {header(
              "score",
              `${props.primaryMetric ?? "score"} · 95% CI`,
              "score-col",
              `${props.primaryMetric ?? "score"}: mean, 95% interval, pass rate`,
            )}
            {header("status", "status")}
            <For each={props.graders}>{(g) => plain(g, "num", `${g}: mean · pass rate · errored`)}</For>
            {header("dataset", "dataset")}
            {plain("examples", "num")}
            {header("model", "base model")}
            {header("method", "method")}
            <th scope="col">hyperparameters</th>
            {header("trained_tokens", "trained tokens*", "num", TRAINED_TOKENS_NOTE)}
            {header("training_seconds", "training time", "num")}
            {header("cost", "cost", "num")}
          </tr>
        </thead>
        <tbody>
          <For each={props.rows}>
            {(row) => {
              const primary = () => (props.primaryMetric ? row.graders[props.primaryMetric] : undefined);
              return (
                <tr
                  data-id={row.experimentId}
                  classList={{ selected: props.isSelected(row.experimentId), baseline: row.kind === "baseline" }}
                >
                  <td class="sel pin">
                    <input
                      type="checkbox"
                      checked={props.isSelected(row.experimentId)}
                      onChange={(e) => {
                        if (!props.onToggle(row.experimentId)) e.currentTarget.checked = false;
                      }}
                      aria-label={`select ${row.name} for compare`}
                    />
                  </td>
                  <td class="num rank pin">{props.rankOf(row) ?? "—"}</td>
                  <td class="name pin">
                    <a href={`/experiments/${row.experimentId}`}>{row.name}</a>
                    {row.kind === "baseline" && <span class="tag">baseline</span>}
                  </td>
                  <td
                    class="score-col"
                    title={primary() ? `n ${primary()?.n} · pass ${percent(primary()?.passRate, 1)} · errored ${primary()?.errored}` : ""}
                  >
                    <div class="score-cell">
                      <span class="num">{score(row.score)}</span>
                      <IntervalBar score={row.score} low={row.interval?.low} high={row.interval?.high} max={props.maxScore} />
                      <span class="ci muted">{row.interval ? `${score(row.interval.low, 2)}–${score(row.interval.high, 2)}` : ""}</span>
                    </div>
                    <span class="muted sub">
                      {primary() ? `pass ${percent(primary()?.passRate)}` : ""}
                      {(primary()?.errored ?? 0) > 0 ? <span class="errored"> · {primary()?.errored} err</span> : ""}
                    </span>
                  </td>
                  <td>
                    <StatusBadge status={props.statusOf(row).status} detail={props.statusOf(row).detail} />
                  </td>
                  <For each={props.graders}>
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
                  <td class="num" title={trainedTokensMean(row.provider)}>
                    {row.kind === "baseline" ? "—" : count(row.trainedTokens)}
                  </td>
                  <td class="num">{row.kind === "baseline" ? "—" : duration(row.trainingSeconds)}</td>
                  <td class="num">{usd(row.costUsd)}</td>
                </tr>
              );
            }}
          </For>
        </tbody>
      </table>
    </div>
  );
}
