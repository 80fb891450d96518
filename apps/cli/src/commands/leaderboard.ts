import {
  compare,
  ExperimentMethod,
  ExperimentStatus,
  findGraderSet,
  findVersionById,
  LEADERBOARD_COLUMNS,
  type Leaderboard,
  LeaderboardQuery,
  type LeaderboardRow,
  leaderboard,
  loadConfig,
  priceOf,
  type Workspace,
} from "@tunelab/core";
import { type Command, Option } from "commander";
import { resolveProjectName, withWorkspace } from "../context.ts";
import { checkedBy, nonNegativeInteger, positiveInteger } from "../option-parsers.ts";
import { color, count, emit, formatNumber, type GlobalOptions, table } from "../output.ts";
import { renderComparison } from "../render/comparison.ts";
import { hyperText, scoreText, statusColor } from "../render/experiment.ts";
import { resolveExperimentRef } from "./experiment-ref.ts";

const ORDERS = LeaderboardQuery.shape.order.unwrap().options;
const SPLIT = LeaderboardQuery.shape.split.unwrap();
const GRADERS = LeaderboardQuery.shape.graders.unwrap();

/** The options that show the board of this test split and grader set (none for the current ones). */
function boardFlags(
  board: Pick<Leaderboard, "currentTestSplit" | "currentGraderSet">,
  split: string | null,
  graders: string | null,
): string {
  return `${split === board.currentTestSplit ? "" : ` --split ${split}`}${graders === board.currentGraderSet ? "" : ` --graders ${graders}`}`;
}

/** Above the table: the project, the board's test split and graders, and whether they are the current ones. */
function boardHeader(board: Leaderboard, graders: string): string {
  if (!board.testSplit) return color.bold(`Leaderboard of ${board.project}`);
  const head = color.bold(`Leaderboard of ${board.project} on ${board.testSplit} with ${graders}`);
  const olderSplit = board.testSplit !== board.currentTestSplit;
  const otherGraders = board.graderSet !== board.currentGraderSet;
  const note =
    olderSplit && otherGraders
      ? `not the current test split and grader set; the current ones are ${board.currentTestSplit ?? "none"} with ${board.currentGraderSet ?? "no graders"}: \`tunelab leaderboard\` ranks on them`
      : olderSplit
        ? `an older test split; the current one is ${board.currentTestSplit ?? "none"}: \`tunelab leaderboard\` ranks on it`
        : otherGraders
          ? `not the current grader set; the current one is ${board.currentGraderSet ?? "none"}: \`tunelab leaderboard\` ranks with it`
          : "";
  return note ? `${head} ${color.yellow(`(${note})`)}` : head;
}

/**
 * The experiments scored on another test split or grader set (before the split or the graders changed): how many, on
 * which versions, next to the board's own, so that an empty or short board does not look like lost results.
 */
async function elsewhereNote(ws: Workspace, board: Leaderboard, flags: string): Promise<string> {
  if (board.elsewhere.length === 0) return "";
  const splitRef = async (id: string | null) => (id ? ((await findVersionById(ws.db, id))?.ref ?? id) : "no test split");
  const gradersRef = async (id: string | null) => (id ? ((await findGraderSet(ws.db, id))?.ref ?? id) : "no graders");
  const where = async (split: string | null, graders: string | null) => `${await splitRef(split)} with ${await gradersRef(graders)}`;
  const lines = [];
  for (const e of board.elsewhere) {
    // every other split and grader set has a board of its own: how to see it
    const [split, graders] = [await splitRef(e.testSplitVersionId), await gradersRef(e.graderSetId)];
    const see = ` (its board: tunelab leaderboard${boardFlags(board, split, graders)}${flags})`;
    lines.push(`  ${count(e.experiments, "experiment")} scored on ${split} with ${graders}${see}`);
  }
  return color.dim(
    `\nNot ranked here (scores compare only on the same test split and graders; this board: ${await where(board.testSplitVersionId, board.graderSetId)}):\n${lines.join("\n")}`,
  );
}

export function registerLeaderboard(program: Command, globals: () => GlobalOptions): void {
  program
    .command("leaderboard")
    .description(
      "experiments ranked by the primary metric, with 95% intervals, on the current (or --split's) test split and (or --graders') graders",
    )
    .option("-p, --project <name>", "project (default: the only project)")
    .addOption(
      new Option("--split <version>", "the board of an older test split version: test@1 or 1 (default: the current split)").argParser(
        checkedBy((text) => text, SPLIT),
      ),
    )
    .addOption(
      new Option(
        "--graders <version>",
        "the board of an older grader set version: graders@1 or 1 (default: the current graders); with --split, that split's",
      ).argParser(checkedBy((text) => text, GRADERS)),
    )
    .addOption(new Option("--sort <column>", "the column to sort by").choices(LEADERBOARD_COLUMNS).default("rank"))
    .addOption(new Option("--order <dir>", "sort direction (default: best first)").choices(ORDERS))
    .option("--dataset <ref>", "only this dataset (train or train@2)")
    .option("--model <name>", "only this base model (local-small, a registered open-weight model, gpt-4o-mini)")
    .addOption(new Option("--method <method>", "only this method (none: baselines)").choices(ExperimentMethod.options))
    .addOption(new Option("--status <status>", "only this status").choices(ExperimentStatus.options))
    .addOption(new Option("--limit <n>", "rows to show").argParser(checkedBy(positiveInteger, LeaderboardQuery.shape.limit)).default(50))
    .addOption(
      new Option("--offset <n>", "rows of the sorted board to skip first (the next page: --offset 50)")
        .argParser(nonNegativeInteger)
        .default(0),
    )
    .action(
      async (o: {
        project?: string;
        split?: string;
        graders?: string;
        sort: (typeof LEADERBOARD_COLUMNS)[number];
        order?: (typeof ORDERS)[number];
        dataset?: string;
        model?: string;
        method?: ExperimentMethod;
        status?: ExperimentStatus;
        limit: number;
        offset: number;
      }) => {
        await withWorkspace(async (ws) => {
          const board = await leaderboard(
            ws,
            {
              project: await resolveProjectName(ws, o.project),
              ...(o.split ? { split: o.split } : {}),
              ...(o.graders ? { graders: o.graders } : {}),
              sort: o.sort,
              limit: o.limit,
              offset: o.offset,
              ...(o.order ? { order: o.order } : {}),
              ...(o.dataset ? { dataset: o.dataset } : {}),
              ...(o.model ? { model: o.model } : {}),
              ...(o.method ? { method: o.method } : {}),
              ...(o.status ? { status: o.status } : {}),
            },
            priceOf(loadConfig()),
          );
          const graders = board.graderSet ?? "no graders";
          const older = board.testSplit !== board.currentTestSplit || board.graderSet !== board.currentGraderSet;
          const projectFlag = o.project ? ` -p ${o.project}` : "";
          const apart = await elsewhereNote(ws, board, projectFlag);
          emit(globals(), board, () => {
            const header = `${boardHeader(board, graders)}\n`;
            if (board.rows.length === 0 && board.total > 0)
              return older
                ? `${header}no rows from --offset ${board.offset}: this leaderboard has ${board.total} experiment(s);${boardFlags(board, board.testSplit, board.graderSet)} --offset 0 shows the first`
                : `${header}no rows from --offset ${board.offset}: this leaderboard has ${board.total} experiment(s); \`tunelab leaderboard --offset 0\` shows the first`;
            if (board.rows.length === 0 && older)
              return `${header}no experiments on this leaderboard (${board.testSplit} with ${graders})${apart}`;
            if (board.rows.length === 0)
              return `${header}no experiments on this leaderboard yet: \`tunelab baseline --model local-small\`, then \`tunelab exp create --dataset train@1 --model local-small\`${apart}`;
            const graderNames = [...new Set(board.rows.flatMap((r) => Object.keys(r.graders)))].filter((g) => g !== board.primaryMetric);
            const rows = board.rows.map((r) => [
              r.rank ?? "-",
              r.name,
              color.dim(r.experimentId),
              scoreText(r),
              ...graderNames.map((g) =>
                r.graders[g]?.mean === null || r.graders[g] === undefined ? "-" : (r.graders[g]?.mean ?? 0).toFixed(3),
              ),
              r.resultCounts ? `${((r.resultCounts.passed / Math.max(1, r.resultCounts.total)) * 100).toFixed(0)}%` : "-",
              r.resultCounts?.errored ?? "-",
              r.leakage ? color.yellow(`${r.dataset ?? ""} ⚠ leak`) : (r.dataset ?? "(baseline)"),
              r.baseModel,
              r.method,
              hyperText(r.hyperparameters),
              // a baseline trains nothing: no tokens, no training time (not "0")
              r.kind === "baseline" || r.trainedTokens === null ? "-" : formatNumber(r.trainedTokens),
              r.kind === "baseline" || r.trainingSeconds === null ? "-" : `${formatNumber(r.trainingSeconds)}s`,
              r.costUsd === null ? "-" : `$${r.costUsd.toFixed(2)}`,
              statusColor(r.status),
            ]);
            const head = [
              "#",
              "experiment",
              "id",
              `${board.primaryMetric ?? "score"} [95% CI]`,
              ...graderNames,
              "pass",
              "err",
              "dataset",
              "model",
              "method",
              "hyperparameters",
              "tokens",
              "time",
              "cost",
              "status",
            ];
            return `${header}${table(head, rows)}${pageNote(board, o)}${leakageNote(board.rows)}${apart}`;
          });
        });
      },
    );

  program
    .command("compare")
    .description("A vs B on the same items: per-grader deltas with 95% intervals and p-values, then what regressed and improved")
    .argument("<a>", "the reference: an experiment id, eval run id, leaderboard rank (3 or #3) or experiment name")
    .argument("<b>", "the candidate, given the same ways")
    .option("-p, --project <name>", "project of ranks and names (default: the only project)")
    .addOption(new Option("--items <n>", "items to show per list").argParser(positiveInteger).default(10))
    .action(async (a: string, b: string, o: { items: number; project?: string }) => {
      await withWorkspace(async (ws) => {
        const comparison = await compare(ws, await resolveExperimentRef(ws, a, o.project), await resolveExperimentRef(ws, b, o.project));
        emit(globals(), comparison, () => renderComparison(comparison, o.items));
      });
    });
}

/** Under the table, when the board holds rows outside this page: which rows these are and how to see the rest. */
function pageNote(board: { total: number; offset: number; rows: readonly unknown[] }, o: { limit: number }): string {
  const shown = board.rows.length;
  const after = board.total - board.offset - shown;
  if (board.offset === 0 && after <= 0) return "";
  const range = `rows ${board.offset + 1}-${board.offset + shown} of ${board.total}`;
  const more = after > 0 ? `; ${after} more: --offset ${board.offset + shown} (--limit ${o.limit})` : "";
  return color.dim(`\n${range}${more}`);
}

/** Under the table: each training version on it that holds items of the board's test split, and what follows. */
function leakageNote(rows: readonly LeaderboardRow[]): string {
  const leaks = new Map<string, NonNullable<LeaderboardRow["leakage"]>>();
  for (const r of rows) if (r.leakage && r.dataset) leaks.set(r.dataset, r.leakage);
  return [...leaks]
    .map(
      ([version, { examples, testSplit }]) =>
        `\n${color.yellow("⚠ leak")} ${version}: ${examples} of its examples are items of ${testSplit}; experiments on it are scored on items they trained on, so their scores overstate them (train on a version without them: \`tunelab data export ${version} -o FILE\`, then \`tunelab data import FILE -d ${version.split("@")[0]}\`)`,
    )
    .join("");
}
