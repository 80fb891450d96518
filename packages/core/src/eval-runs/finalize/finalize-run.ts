// Imports only the run's statistics (`@tunelab/evals/aggregates`, without zod) and types: the finalize worker loads this
// module, and a worker that loaded all of core and @tunelab/evals would spend longer starting (and hold more memory
// through the whole run) than summarizing.
import type { Grade, ScoredItem } from "@tunelab/evals";
import { type GraderSummary, summarizeByTag, summarizeGraders } from "@tunelab/evals/aggregates";
import { eachRow } from "@tunelab/storage";
import { nowIso } from "../../shared/time.ts";
import type { DB } from "../../storage/database.ts";
import type { EvalSampleRow } from "../eval-run.table.ts";
import type { RunAggregates } from "../run-aggregates.schema.ts";
import { saveScoreColumns } from "../score-columns.repository.ts";
import { toScoreColumns } from "../score-columns.ts";
import { STORED_SCORE_COLUMNS, StoredScores } from "./stored-scores.ts";

/**
 * Computes and stores a run's counts, aggregates and score columns from its stored samples, on this thread. `gathered`
 * holds rows already received as they were committed (each stored once, by this process): when they are every row the
 * run has stored, nothing is read back; otherwise (a resumed run also has rows from before) every row is read.
 */
export async function finalizeRun(db: DB, runId: string, primaryMetric: string, gathered?: StoredScores): Promise<void> {
  const stored = gathered && gathered.size === (await countStoredSamples(db, runId)) ? gathered : await readStoredScores(db, runId);
  const { scored, positions } = stored.ordered();
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
        ...stored.counts,
        total: scored.length,
        primary_score: primary?.mean ?? null,
        primary_low: primary?.ci.mean?.low ?? null,
        primary_high: primary?.ci.mean?.high ?? null,
        aggregates_json: JSON.stringify(aggregates),
        graders_json: JSON.stringify(boardGraders(graders)),
        usage_json: JSON.stringify({ prompt_tokens: stored.promptTokens, completion_tokens: stored.completionTokens }),
        finished_at: nowIso(),
      })
      .where("id", "=", runId)
      .execute();
  });
}

/** How many samples a run has stored. */
export async function countStoredSamples(db: DB, runId: string): Promise<number> {
  const row = await db
    .selectFrom("eval_samples")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("run_id", "=", runId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Every stored sample of a run, one row at a time and only what the statistics read (not the outputs, the largest
 * column): each row's grades JSON is dropped once read.
 */
async function readStoredScores(db: DB, runId: string): Promise<StoredScores> {
  const stored = new StoredScores();
  const query = db.selectFrom("eval_samples").select(STORED_SCORE_COLUMNS).where("run_id", "=", runId).orderBy("position").orderBy("trial");
  await eachRow(db, query, (row) => stored.add(row));
  return stored;
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
