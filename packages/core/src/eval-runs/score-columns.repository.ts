import type { DB } from "../storage/database.ts";
import { fromScoreColumns, type NewScoreColumns, type RunScoreSide } from "./score-columns.ts";

/** Stores (or replaces) a run's score columns. */
export async function saveScoreColumns(db: DB, runId: string, columns: NewScoreColumns): Promise<void> {
  const row = { run_id: runId, ...columns };
  await db
    .insertInto("eval_run_scores")
    .values(row)
    .onConflict((oc) => oc.column("run_id").doUpdateSet(columns))
    .execute();
}

/** The stored score columns of some runs, in one query; a run without them (or in a layout unknown here) is left out. */
export async function readScoreColumns(db: DB, runIds: readonly string[]): Promise<Map<string, RunScoreSide>> {
  const sides = new Map<string, RunScoreSide>();
  if (runIds.length === 0) return sides;
  const rows = await db
    .selectFrom("eval_run_scores")
    .selectAll()
    .where("run_id", "in", [...new Set(runIds)])
    .execute();
  for (const row of rows) {
    const side = fromScoreColumns(row);
    if (side) sides.set(row.run_id, side);
  }
  return sides;
}
