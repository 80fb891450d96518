import { parentPort, workerData } from "node:worker_threads";
import { answerFromWorker } from "@tunelab/base";
import { validateToCanonical } from "../validate-data-file.ts";
import type { DataSource } from "../validation/jsonl-lines.ts";
import type { ValidateOptions } from "../validation/validate-options.ts";

const { source, options } = workerData as { source: DataSource; options: ValidateOptions };
await answerFromWorker(parentPort, async () => {
  const result = validateToCanonical(source, options);
  return { result, transfer: [result.canonical.buffer as ArrayBuffer] };
});
