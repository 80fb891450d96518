import { statSync } from "node:fs";
import { isMainThread } from "node:worker_threads";
import type { DataSource } from "../validation/jsonl-lines.ts";

/**
 * Sources from this size on are validated in a worker thread. Below it validation takes a few milliseconds, less
 * than starting a worker (which loads the tokenizer's tables), so it runs where it is called.
 */
export const OFF_THREAD_BYTES = 256 * 1024;

/** Whether to hand this source to a dataset worker: large, and not already off the main thread. */
export function runsOffThread(source: DataSource): boolean {
  if (!isMainThread) return false;
  return sourceBytes(source) >= OFF_THREAD_BYTES;
}

function sourceBytes(source: DataSource): number {
  if ("text" in source) return source.text.length;
  if ("bytes" in source) return source.bytes.byteLength;
  try {
    return statSync(source.path).size;
  } catch {
    return 0; // reading it here reports the error with the file's name
  }
}
