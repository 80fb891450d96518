import { rmSync } from "node:fs";
import { runWorkerTask, workerEntry } from "@tunelab/base";
import type { ExportOptions } from "./export.ts";
import type { ExportProgress } from "./export-progress.ts";

const ENTRY = workerEntry("export-worker", new URL("./export-worker/export-worker.mjs", import.meta.url));

/**
 * `exportTunedModel` in a worker thread of its own: the export's synchronous work (reading and hashing the base,
 * merging, encoding, writing gigabytes) never blocks this thread's event loop, so a server answers other requests
 * meanwhile and a terminal's progress bar moves. The same errors as `exportTunedModel` (a `TunelabError` keeps its
 * code and message); when the worker dies, its partial output is removed.
 */
export async function exportTunedModelOffThread(options: ExportOptions): Promise<{ outDir: string; files: string[] }> {
  const { onProgress, ...data } = options;
  try {
    return await runWorkerTask<{ outDir: string; files: string[] }>(ENTRY, data, {
      ...(onProgress ? { onProgress: (progress) => onProgress(progress as ExportProgress) } : {}),
    });
  } catch (error) {
    // the export writes under OUT.tmp-PID (this process's id), renamed into place only once complete
    rmSync(`${options.outDir}.tmp-${process.pid}`, { recursive: true, force: true });
    throw error;
  }
}
