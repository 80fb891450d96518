import type { Workspace } from "../storage/workspace.ts";
import { removeUnrecordedManifests } from "./remove-checkpoints.ts";

/**
 * Withdraws a deleted tuned model (`DELETE /v1/models/ID` on any machine's engine) from the team's blob store: its
 * `published_models` row goes first, in a transaction of its own, so once it commits no machine fetches the model any
 * more (their engines answer model_not_found); then its manifest and the files nothing else still uses (another
 * published model, an experiment's checkpoint, a dataset: removeUnrecordedManifests, as for deleted experiments). A
 * failure there only leaves files behind, so it is a warning. True when the model was published.
 */
export async function unpublishTunedModel(ws: Workspace, model: string): Promise<boolean> {
  const manifest = await ws.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom("published_models").select("manifest_blob").where("model", "=", model).executeTakeFirst();
    if (!row) return undefined;
    await trx.deleteFrom("published_models").where("model", "=", model).execute();
    return row.manifest_blob;
  });
  if (manifest === undefined) return false;
  try {
    await removeUnrecordedManifests(ws, [manifest]);
  } catch (error) {
    process.emitWarning(
      `the files of the deleted model ${model} were not all removed from ${ws.blobs.location}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return true;
}
