import { nowIso } from "../shared/time.ts";
import type { DB } from "../storage/database.ts";
import type { Workspace } from "../storage/workspace.ts";
import { inBlobStoreLock } from "./blob-store-lock.ts";
import { removeUnrecordedManifests } from "./remove-checkpoints.ts";

export interface UnpublishOptions {
  /**
   * The engine calling deleted a copy of its own: the model is recorded withdrawn even when it is not published (yet),
   * so a worker publishing it at this moment does not publish it.
   */
  deletedHere?: boolean;
}

/**
 * Withdraws a deleted tuned model (`DELETE /v1/models/ID` on any machine's engine) from the team's blob store: its
 * `published_models` row goes first, in a transaction of its own, so once it commits no machine fetches the model any
 * more (their engines answer model_not_found), and it is recorded as withdrawn (0017), so the engines that have a copy
 * of their own (the machine that trained it, those that fetched it) drop it when they next list their models or are
 * asked for it, and a worker still publishing it does not publish it again; then its manifest and the files nothing
 * else still uses (another published model, an experiment's checkpoint, a dataset: removeUnrecordedManifests, as for
 * deleted experiments). A failure there only leaves files behind, so it is a warning. True when the model was
 * published.
 *
 * The record is made under the blob-store lock (blob-store-lock.ts), so it and a publisher's record of the same model
 * take turns: a publish either sees the model withdrawn and does not record it, or records it before and this removes
 * it (never both published and withdrawn); and once the model is seen withdrawn, no publisher still reads the files of
 * an engine's copy, which the engine may then delete.
 */
export async function unpublishTunedModel(ws: Workspace, model: string, options: UnpublishOptions = {}): Promise<boolean> {
  const manifest = await inBlobStoreLock(ws.db, async (trx) => {
    const row = await trx.selectFrom("published_models").select("manifest_blob").where("model", "=", model).executeTakeFirst();
    if (!row && !options.deletedHere) return undefined;
    await trx.deleteFrom("published_models").where("model", "=", model).execute();
    await trx
      .insertInto("withdrawn_models")
      .values({ model, withdrawn_at: nowIso() })
      .onConflict((oc) => oc.column("model").doNothing())
      .execute();
    return row?.manifest_blob ?? null;
  });
  if (manifest === undefined || manifest === null) return false;
  try {
    await removeUnrecordedManifests(ws, [manifest]);
  } catch (error) {
    process.emitWarning(
      `the files of the deleted model ${model} were not all removed from ${ws.blobs.location}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return true;
}

/** Whether a published tuned model was deleted (unpublishTunedModel): no engine serves it any more. */
export async function isWithdrawn(db: DB, model: string): Promise<boolean> {
  return (await db.selectFrom("withdrawn_models").select("model").where("model", "=", model).executeTakeFirst()) !== undefined;
}

/** Ids a query names at most (well under SQLite's and PostgreSQL's bound parameter limits). */
const IDS_PER_QUERY = 1000;

/**
 * The models of `models` that were deleted (unpublishTunedModel): one query for up to a thousand of them (an engine
 * asks this of every tuned model it has when it lists its models), by the table's primary key.
 */
export async function withdrawnAmong(db: DB, models: readonly string[]): Promise<string[]> {
  const withdrawn: string[] = [];
  for (let start = 0; start < models.length; start += IDS_PER_QUERY) {
    const ids = models.slice(start, start + IDS_PER_QUERY);
    const rows = await db.selectFrom("withdrawn_models").select("model").where("model", "in", ids).execute();
    withdrawn.push(...rows.map((row) => row.model));
  }
  return withdrawn;
}
