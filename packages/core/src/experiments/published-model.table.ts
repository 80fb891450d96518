import type { Selectable } from "kysely";

/**
 * A tuned model of the embedded engine that a worker published to the workspace's blob store (0015), so every machine
 * sharing the store can fetch it. Kept when the experiment that trained it is deleted: the tuned model stays.
 */
export interface PublishedModelTable {
  /** The tuned model's id (`ft:…`), as every engine serves it. */
  model: string;
  /** The manifest blob naming the model's files (shared-tuned-models.ts `TunedModelManifest`). */
  manifest_blob: string;
  created_at: string;
}
export type PublishedModelRow = Selectable<PublishedModelTable>;
