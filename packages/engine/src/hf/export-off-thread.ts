import { runWorkerTask, workerEntry } from "@tunelab/base";
import type { ExportOptions } from "./export.ts";
import type { BaseExportOptions } from "./export-base.ts";
import { removePartialExport } from "./export-dir.ts";
import type { ExportProgress } from "./export-progress.ts";

const ENTRY = workerEntry("export-worker", new URL("./export-worker/export-worker.mjs", import.meta.url));

/** What the export worker runs: a tuned model's export or a base model's. */
export type ExportTask =
  | { kind: "tuned"; options: Omit<ExportOptions, "onProgress"> }
  | { kind: "base"; options: Omit<BaseExportOptions, "onProgress"> };

type Exported = { outDir: string; files: string[] };

export interface OffThreadOptions {
  /** Stops the export: its worker is terminated, its partial output removed, and it fails with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * `exportTunedModel` in a worker thread of its own: the export's synchronous work (reading and hashing the base,
 * merging, encoding, writing gigabytes) never blocks this thread's event loop, so a server answers other requests
 * meanwhile and a terminal's progress bar moves. The same errors as `exportTunedModel` (a `TunelabError` keeps its
 * code and message); when the worker dies, its partial output is removed.
 */
export function exportTunedModelOffThread(options: ExportOptions, run: OffThreadOptions = {}): Promise<Exported> {
  const { onProgress, ...rest } = options;
  return offThread({ kind: "tuned", options: rest }, options.outDir, onProgress, run);
}

/** `exportBaseModel` in a worker thread of its own (as `exportTunedModelOffThread`). */
export function exportBaseModelOffThread(options: BaseExportOptions, run: OffThreadOptions = {}): Promise<Exported> {
  const { onProgress, ...rest } = options;
  return offThread({ kind: "base", options: rest }, options.outDir, onProgress, run);
}

async function offThread(
  task: ExportTask,
  outDir: string,
  onProgress: ((p: ExportProgress) => void) | undefined,
  run: OffThreadOptions,
): Promise<Exported> {
  try {
    return await runWorkerTask<Exported>(ENTRY, task, {
      ...(onProgress ? { onProgress: (progress) => onProgress(progress as ExportProgress) } : {}),
      ...(run.signal ? { signal: run.signal } : {}),
    });
  } catch (error) {
    // an export writes under OUT.tmp-PID (this process's id), renamed into place only once complete (export-dir.ts)
    removePartialExport(outDir);
    throw error;
  }
}
