import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import { currentTestSplit, findVersionById } from "../datasets/dataset.repository.ts";
import { DatasetRef } from "../datasets/dataset.schema.ts";
import { ExperimentMethod, ExperimentStatus } from "../experiments/experiment.schema.ts";
import { currentGraderSet, findGraderSet } from "../grader-sets/grader-set.repository.ts";
import { getProjectByName } from "../projects/project.repository.ts";
import { PageFields } from "../shared/page.ts";
import type { Workspace } from "../storage/workspace.ts";
import { BoardGraders, boardGraderSet } from "./board-graders.ts";
import { BoardSplit, boardSplitVersion } from "./board-split.ts";
import type { Leaderboard, LeaderboardRow } from "./leaderboard.schema.ts";
import { leakedExamplesByVersion } from "./leaderboard-leakage.ts";

export const LEADERBOARD_COLUMNS = [
  "rank",
  "score",
  "name",
  "created",
  "trained_tokens",
  "training_seconds",
  "cost",
  "dataset",
  "model",
  "method",
  "status",
] as const;

export const LeaderboardQuery = z.object({
  project: z.string(),
  /** The board of this test split version (`test@1` or `1`), current or older; default: the current split's. */
  split: BoardSplit.optional(),
  testSplitVersionId: z.string().optional(),
  /** The board of this grader set version (`graders@1` or `1`), current or older; default: the current grader set's. */
  graders: BoardGraders.optional(),
  graderSetId: z.string().optional(),
  /** Only experiments on this dataset (`train`) or version (`train@2`); a malformed ref is refused, not an empty board. */
  dataset: DatasetRef.optional(),
  /** Only experiments on this base model (`local-small`, a registered open-weight model, `gpt-4o-mini`). */
  model: z.string().optional(),
  /** Only this method; baselines are `none`. */
  method: ExperimentMethod.optional(),
  /** Only experiments in this status (`created` … `cancelled`); another word is refused, not an empty board. */
  status: ExperimentStatus.optional(),
  sort: z.enum(LEADERBOARD_COLUMNS).default("rank"),
  order: z.enum(["asc", "desc"]).optional(),
  /** Rows of the page, after `offset` rows of the sorted board (ranks are the whole board's). */
  ...PageFields,
});
export type LeaderboardQuery = z.input<typeof LeaderboardQuery>;

/** Price of a provider/model, per million tokens (from tunelab.config.json); local training costs nothing. */
export type PriceOf = (provider: string, model: string) => { training?: number | undefined; input: number; output: number } | undefined;

/**
 * Experiments (baselines included) scored on the same test split and grader set, ranked by the primary metric's mean
 * with its 95% interval. Reads stored per-run aggregates only, so it stays fast as items grow.
 */
export async function leaderboard(ws: Workspace, query: LeaderboardQuery, priceOf: PriceOf = () => undefined): Promise<Leaderboard> {
  const q = parseQuery(query);
  const project = await getProjectByName(ws.db, q.project);
  if (q.split !== undefined && q.testSplitVersionId !== undefined)
    throw new TunelabError("invalid_argument", "split: give a test split ref or a test split version id, not both");
  if (q.graders !== undefined && q.graderSetId !== undefined)
    throw new TunelabError("invalid_argument", "graders: give a grader set ref or a grader set id, not both");
  // the board's test split and grader set are looked up while the rows are read (on PostgreSQL, concurrently)
  const boardOf = async () => {
    const [current, asked, currentGraders, askedGraders] = await Promise.all([
      currentTestSplit(ws.db, project.id),
      q.split !== undefined
        ? boardSplitVersion(ws.db, project, q.split)
        : q.testSplitVersionId !== undefined
          ? findVersionById(ws.db, q.testSplitVersionId)
          : undefined,
      currentGraderSet(ws.db, project.id),
      q.graders !== undefined
        ? boardGraderSet(ws.db, project, q.graders)
        : q.graderSetId !== undefined
          ? findGraderSet(ws.db, q.graderSetId)
          : undefined,
    ]);
    const split = q.split !== undefined || q.testSplitVersionId !== undefined ? asked : current;
    const graderSet = q.graders !== undefined || q.graderSetId !== undefined ? askedGraders : currentGraders;
    return {
      testSplitVersionId: q.testSplitVersionId ?? split?.id ?? null,
      testSplit: split?.ref ?? null,
      currentTestSplit: current?.ref ?? null,
      // experiments not scored yet will be scored on the current split with the current graders: they belong to that
      // board only
      unscoredOnBoard: (split?.id ?? null) === (current?.id ?? null) && (graderSet?.id ?? null) === (currentGraders?.id ?? null),
      graderSetId: q.graderSetId ?? graderSet?.id ?? null,
      graderSet: graderSet?.ref ?? null,
      currentGraderSet: currentGraders?.ref ?? null,
      primaryMetric: graderSet?.primaryMetric ?? null,
    };
  };

  let rowsQuery = ws.db
    .selectFrom("experiments as e")
    .leftJoin("eval_runs as r", "r.id", "e.eval_run_id")
    .leftJoin("dataset_versions as v", "v.id", "e.dataset_version_id")
    .leftJoin("datasets as d", "d.id", "v.dataset_id")
    .select([
      "e.id",
      "e.name",
      "e.kind",
      "e.status",
      "e.base_model",
      "e.method",
      "e.provider",
      "e.tuned_model",
      "e.hyperparameters_json",
      "e.trained_tokens",
      "e.training_seconds",
      "e.created_at",
      "e.eval_run_id",
      "e.dataset_version_id",
      "r.test_split_version_id",
      "r.grader_set_id",
      "r.primary_score",
      "r.primary_low",
      "r.primary_high",
      "r.total",
      "r.passed",
      "r.failed",
      "r.errored",
      "r.graders_json",
      "r.usage_json",
      "r.status as run_status",
      "d.name as dataset_name",
      "v.number as dataset_number",
      "v.example_count",
    ])
    .where("e.project_id", "=", project.id)
    // ties in any sort keep creation order
    .orderBy("e.created_at")
    .orderBy("e.id");
  if (q.model) rowsQuery = rowsQuery.where("e.base_model", "=", q.model);
  if (q.method) rowsQuery = rowsQuery.where("e.method", "=", q.method);
  if (q.status) rowsQuery = rowsQuery.where("e.status", "=", q.status);
  if (q.dataset) {
    const [name, number] = q.dataset.split("@");
    rowsQuery = rowsQuery.where("d.name", "=", name ?? "");
    if (number) rowsQuery = rowsQuery.where("v.number", "=", Number(number));
  }
  const [all, { testSplitVersionId, testSplit, currentTestSplit: current, unscoredOnBoard, graderSetId, ...graders }] = await Promise.all([
    rowsQuery.execute(),
    boardOf(),
  ]);

  const leaks = await boardLeakage(ws, testSplitVersionId, all);

  const elsewhere = new Map<string, { testSplitVersionId: string; graderSetId: string; experiments: number }>();
  const rows: LeaderboardRow[] = [];
  for (const r of all) {
    const onBoard = r.test_split_version_id
      ? r.test_split_version_id === testSplitVersionId && r.grader_set_id === graderSetId
      : unscoredOnBoard;
    if (!onBoard) {
      if (r.test_split_version_id && r.grader_set_id) {
        const key = `${r.test_split_version_id}/${r.grader_set_id}`;
        const entry = elsewhere.get(key) ?? { testSplitVersionId: r.test_split_version_id, graderSetId: r.grader_set_id, experiments: 0 };
        entry.experiments++;
        elsewhere.set(key, entry);
      }
      continue;
    }
    const completed = r.run_status === "completed";
    const graders: LeaderboardRow["graders"] = completed && r.graders_json ? (JSON.parse(r.graders_json) as LeaderboardRow["graders"]) : {};
    const hyper = JSON.parse(r.hyperparameters_json) as { requested: Record<string, unknown>; resolved: Record<string, number> | null };
    rows.push({
      rank: null,
      experimentId: r.id,
      name: r.name,
      kind: r.kind,
      status: r.status,
      score: completed ? r.primary_score : null,
      interval: completed && r.primary_low !== null && r.primary_high !== null ? { low: r.primary_low, high: r.primary_high } : null,
      graders,
      resultCounts: completed ? { total: r.total ?? 0, passed: r.passed ?? 0, failed: r.failed ?? 0, errored: r.errored ?? 0 } : null,
      evalRunId: r.eval_run_id,
      dataset: r.dataset_name ? `${r.dataset_name}@${r.dataset_number}` : null,
      datasetExamples: r.example_count ?? null,
      leakage: leaks.of(r.dataset_version_id),
      baseModel: r.base_model,
      method: r.method as ExperimentMethod,
      provider: r.provider,
      tunedModel: r.tuned_model,
      hyperparameters: hyper.resolved ?? hyper.requested,
      trainedTokens: r.trained_tokens,
      trainingSeconds: r.training_seconds,
      costUsd: cost(priceOf, r.provider, r.base_model, r.trained_tokens, r.usage_json),
      createdAt: r.created_at,
    });
  }
  rank(rows);
  sortRows(rows, q.sort, q.order);
  return {
    project: project.name,
    testSplitVersionId,
    testSplit,
    currentTestSplit: current,
    graderSetId,
    graderSet: graders.graderSet,
    currentGraderSet: graders.currentGraderSet,
    primaryMetric: graders.primaryMetric,
    rows: rows.slice(q.offset, q.offset + q.limit),
    total: rows.length,
    offset: q.offset,
    limit: q.limit,
    elsewhere: [...elsewhere.values()],
  };
}

/** The training versions on the board that hold items of its test split, and the flag of a row trained on one. */
async function boardLeakage(ws: Workspace, testSplitVersionId: string | null, rows: readonly { dataset_version_id: string | null }[]) {
  const none = { of: (_version: string | null): LeaderboardRow["leakage"] => null };
  if (!testSplitVersionId) return none;
  const versions = rows.flatMap((r) => r.dataset_version_id ?? []);
  const leaked = await leakedExamplesByVersion(ws.db, testSplitVersionId, versions);
  if (leaked.size === 0) return none;
  const testSplit = (await findVersionById(ws.db, testSplitVersionId))?.ref ?? testSplitVersionId;
  return {
    of: (version: string | null): LeaderboardRow["leakage"] => {
      const examples = version === null ? undefined : leaked.get(version);
      return examples === undefined ? null : { testSplit, examples };
    },
  };
}

/**
 * Ranks by score, ties sharing a rank and the next rank skipping them (1, 2, 2, 4); unscored rows have no rank. Means
 * that differ only by rounding (the same scores summed in another item order) are a tie, not a rank apart.
 */
function rank(rows: LeaderboardRow[]): void {
  const scored = rows.filter((r) => r.score !== null).sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  let previous: number | null = null;
  let position = 0;
  for (const [i, row] of scored.entries()) {
    const score = row.score ?? 0;
    if (previous === null || !sameScore(score, previous)) {
      position = i + 1;
      previous = score;
    }
    row.rank = position;
  }
}

/** Equal up to rounding: within a few units in the last place of scores in [0, 1] (a real difference of means is far larger). */
const sameScore = (x: number, y: number) => Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(x), Math.abs(y));

function sortRows(rows: LeaderboardRow[], column: (typeof LEADERBOARD_COLUMNS)[number], order: "asc" | "desc" | undefined): void {
  const key = (r: LeaderboardRow): number | string | null => {
    switch (column) {
      case "rank":
        return r.rank;
      case "score":
        return r.score;
      case "name":
        return r.name;
      case "created":
        return r.createdAt;
      case "trained_tokens":
        return r.trainedTokens;
      case "training_seconds":
        return r.trainingSeconds;
      case "cost":
        return r.costUsd;
      case "dataset":
        return r.dataset;
      case "model":
        return r.baseModel;
      case "method":
        return r.method;
      case "status":
        return r.status;
    }
  };
  const direction = (order ?? (column === "score" || column === "trained_tokens" ? "desc" : "asc")) === "asc" ? 1 : -1;
  rows.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === y) return 0;
    if (x === null) return 1; // nulls last either way
    if (y === null) return -1;
    return (x < y ? -1 : 1) * direction;
  });
}

function cost(priceOf: PriceOf, provider: string, model: string, trainedTokens: number | null, usageJson: string | null): number | null {
  const price = priceOf(provider, model);
  if (!price) return provider === "local" ? 0 : null;
  const usage = usageJson
    ? (JSON.parse(usageJson) as { prompt_tokens: number; completion_tokens: number })
    : { prompt_tokens: 0, completion_tokens: 0 };
  return ((trainedTokens ?? 0) * (price.training ?? 0) + usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / 1e6;
}

/** The query, checked; refusals are invalid_argument errors naming the field (an unknown sort column lists the columns). */
function parseQuery(query: LeaderboardQuery): z.output<typeof LeaderboardQuery> {
  const parsed = LeaderboardQuery.safeParse(query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.path[0] === "sort")
    throw new TunelabError("invalid_argument", `cannot sort by "${String(query.sort)}"; columns: ${LEADERBOARD_COLUMNS.join(", ")}`);
  throw new TunelabError("invalid_argument", `${issue?.path.join(".") || "leaderboard query"}: ${issue?.message}`, {
    details: parsed.error.issues,
  });
}
