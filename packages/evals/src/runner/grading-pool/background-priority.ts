import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { isMainThread } from "node:worker_threads";

/**
 * The nice value of a background worker thread (grading, finalizing): higher than the main thread's, so when the
 * cores are busy (two cores, the pool's workers, other processes) the scheduler runs the main thread first and its
 * event loop (progress, SSE, cancel, API requests) is not kept waiting behind the work it handed off.
 */
export const BACKGROUND_NICE = 10;

/**
 * Lowers this worker thread's scheduling priority to `BACKGROUND_NICE` (Linux: a thread has its own nice value, set
 * through its thread id, read from /proc/thread-self). Does nothing on the main thread, where the thread id is not
 * available, or where the system refuses; returns whether it was lowered.
 */
export function lowerThreadPriority(): boolean {
  if (isMainThread) return false;
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").at(-1));
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, BACKGROUND_NICE);
    return true;
  } catch {
    return false;
  }
}
