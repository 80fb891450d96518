// Imports only the run's statistics (`@tunelab/evals/aggregates`, without zod) and types: the finalize worker loads this
// module, and a worker that loaded all of core and @tunelab/evals would spend longer starting (and hold more memory
// through the whole run) than summarizing.
import type { Grade } from "@tunelab/evals";
import { type GraderSummary, type ScoredItem, summarizeByTag, summarizeGraders } from "@tunelab/evals/aggregates";
import { eachRow } from "@tunelab/storage";
import { nowIso } from "../../shared/time.ts";
import type { DB } from "../../storage/database.ts";
import type { EvalSampleRow } from "../eval-run.table.ts";
import type { RunAggregates } from "../run-aggregates.schema.ts";
import { saveScoreColumns } from "../score-columns.repository.ts";
import { toScoreColumns } from "../score-columns.ts";

/** Computes and stores a run's counts, aggregates and score columns from its stored samples, on this thread. */
export async function finalizeRun(db: DB, runId: string, primaryMetric: string): Promise<void> {
  // only what the aggregates need (not the outputs, the largest column), one row at a time: each row's grades JSON is
  // dropped once read, and only what the statistics read of its grades is kept
  const query = db
    .selectFrom("eval_samples")
    .select(["item_id", "position", "trial", "tags_json", "grades_json", "status", "prompt_tokens", "completion_tokens"])
    .where("run_id", "=", runId)
    .orderBy("position")
    .orderBy("trial");
  const scored: ScoredItem[] = [];
  const positions: number[] = [];
  const counts = { passed: 0, failed: 0, errored: 0 };
  let promptTokens = 0;
  let completionTokens = 0;
  await eachRow(db, query, (row) => {
    scored.push(toStatisticsItem(row));
    positions.push(row.position);
    counts[row.status as keyof typeof counts]++;
    promptTokens += row.prompt_tokens;
    completionTokens += row.completion_tokens;
  });
  const graders = summarizeGraders(scored);
  const aggregates: RunAggregates = { graders, byTag: summarizeByTag(scored) };
  const primary = graders[primaryMetric];
  // what compare reads of the run, in columns (none when a grade does not fit them: compare reads the samples)
  const columns = toScoreColumns(scored.map((item, i) => ({ position: positions[i] as number, item })));
  await db.transaction().execute(async (trx) => {
    if (columns) await saveScoreColumns(trx, runId, columns);
    await trx
      .updateTable("eval_runs")
      .set({
        status: "completed",
        ...counts,
        total: scored.length,
        primary_score: primary?.mean ?? null,
        primary_low: primary?.ci.mean?.low ?? null,
        primary_high: primary?.ci.mean?.high ?? null,
        aggregates_json: JSON.stringify(aggregates),
        graders_json: JSON.stringify(boardGraders(graders)),
        usage_json: JSON.stringify({ prompt_tokens: promptTokens, completion_tokens: completionTokens }),
        finished_at: nowIso(),
      })
      .where("id", "=", runId)
      .execute();
  });
}

/**
 * A stored sample as the run's statistics and score columns read it: each grade keeps its score, whether it passed and
 * its error (`statusOf`), not its reason or sub-scores (most of the grades JSON, never read here).
 */
export function toStatisticsItem(row: Pick<EvalSampleRow, "item_id" | "trial" | "tags_json" | "grades_json">): ScoredItem {
  const stored = JSON.parse(row.grades_json) as Record<string, Grade>;
  const grades: Record<string, Grade> = {};
  for (const name in stored) {
    const { score, passed, error } = stored[name] as Grade;
    grades[name] = error === undefined ? { score, passed } : { score, passed, error };
  }
  return { item_id: row.item_id, trial: row.trial, tags: JSON.parse(row.tags_json) as string[], grades };
}

export function toScoredItem(row: Pick<EvalSampleRow, "item_id" | "trial" | "tags_json" | "grades_json">): ScoredItem {
  return {
    item_id: row.item_id,
    trial: row.trial,
    tags: JSON.parse(row.tags_json) as string[],
    grades: JSON.parse(row.grades_json) as Record<string, Grade>,
  };
}

/** The slice of per-grader summaries the leaderboard shows (stored apart so it never parses the full aggregates). */
export function boardGraders(
  graders: Record<string, GraderSummary>,
): Record<string, Pick<GraderSummary, "mean" | "passRate" | "errored" | "n">> {
  return Object.fromEntries(
    Object.entries(graders).map(([name, g]) => [name, { mean: g.mean, passRate: g.passRate, errored: g.errored, n: g.n }]),
  );
}
