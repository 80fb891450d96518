import type { ScoredItem } from "@tunelab/evals/stats";
import { runScores } from "../eval-runs/eval-run.repository.ts";
import type { EvalRun } from "../eval-runs/eval-run.schema.ts";
import { toScoredItem } from "../eval-runs/finalize/finalize-run.ts";
import { readScoreColumns, saveScoreColumns } from "../eval-runs/score-columns.repository.ts";
import { type RunScoreSide, toScoreColumns } from "../eval-runs/score-columns.ts";
import type { DB } from "../storage/database.ts";

/**
 * What compare reads of its two runs: their score columns, both in one query (written when a run is finalized).
 * A run without them (finalized before they existed, or not finished) is read from its samples, and a completed one
 * gets its columns stored then, so its next comparison reads them.
 */
export async function scoreSides(db: DB, a: EvalRun, b: EvalRun): Promise<[RunScoreSide, RunScoreSide]> {
  const stored = await readScoreColumns(db, [a.id, b.id]);
  const side = (run: EvalRun) => stored.get(run.id) ?? fromSamples(db, run);
  return Promise.all([side(a), side(b)]);
}

async function fromSamples(db: DB, run: EvalRun): Promise<RunScoreSide> {
  const rows = await runScores(db, run.id);
  const items = rows.map(toScoredItem);
  if (run.status === "completed") {
    const columns = toScoreColumns(rows.map((row, i) => ({ position: row.position, item: items[i] as ScoredItem })));
    // a cache: a comparison that cannot store it (a read-only database, a concurrent writer) still answers
    if (columns) await saveScoreColumns(db, run.id, columns).catch(() => undefined);
  }
  return { items, positions: new Map(rows.map((row) => [row.item_id, row.position])) };
}
