import { rmSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { TunelabError, workerEntry } from "@tunelab/base";
import type { ExportOptions } from "./export.ts";
import type { ExportWorkerData, ExportWorkerMessage } from "./export-worker/protocol.ts";

const ENTRY = workerEntry("export-worker", new URL("./export-worker/export-worker.mjs", import.meta.url));

/**
 * `exportTunedModel` in a worker thread of its own: the export's synchronous work (reading and hashing the base,
 * merging, encoding, writing gigabytes) never blocks this thread's event loop, so a server answers other requests
 * meanwhile and a terminal's progress bar moves. The same errors as `exportTunedModel` (a `TunelabError` with its code
 * and message); when the worker dies, its partial output is removed.
 */
export function exportTunedModelOffThread(options: ExportOptions): Promise<{ outDir: string; files: string[] }> {
  const { onProgress, ...data } = options;
  const worker = new Worker(ENTRY, { workerData: data satisfies ExportWorkerData });
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    worker.on("message", (message: ExportWorkerMessage) => {
      if (message.type === "progress") onProgress?.(message.progress);
      else if (message.type === "done") settle(() => resolve(message.result));
      else
        settle(() =>
          reject(
            message.code
              ? new TunelabError(message.code, message.message, { details: message.details })
              : new TunelabError("internal", `export failed: ${message.message}`),
          ),
        );
    });
    worker.once("error", (error) =>
      settle(() => reject(new TunelabError("internal", `export worker failed: ${error.message}`, { cause: error }))),
    );
    worker.once("exit", (code) => {
      // the worker writes under OUT.tmp-PID (this process's id) and renames it into place only when complete
      if (!settled) rmSync(`${options.outDir}.tmp-${process.pid}`, { recursive: true, force: true });
      settle(() => reject(new TunelabError("internal", `export worker stopped (exit code ${code}) before the export finished`)));
    });
  });
}
