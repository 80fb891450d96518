import type { ErrorCode } from "@tunelab/base";
import type { ExportOptions } from "../export.ts";
import type { ExportProgress } from "../export-progress.ts";

/** What the export worker is started with: the export's options, without the progress callback. */
export type ExportWorkerData = Omit<ExportOptions, "onProgress">;

export type ExportWorkerMessage =
  | { type: "progress"; progress: ExportProgress }
  | { type: "done"; result: { outDir: string; files: string[] } }
  | { type: "failed"; code: ErrorCode | undefined; message: string; details: unknown };
