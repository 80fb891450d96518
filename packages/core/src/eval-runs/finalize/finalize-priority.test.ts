// The finalize worker runs below the main thread (Linux: a nice value per thread), from before it loads its modules:
// when both cores are busy at the end of a run, the main thread's event loop (progress, SSE, cancel) is scheduled first.
import { readdirSync, readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { describe, expect, it } from "vitest";
import { startFinalizeWorker } from "./off-thread.ts";

/** The background workers' nice value (BACKGROUND_NICE in @tunelab/evals' background-priority.ts). */
const BACKGROUND_NICE = 10;

/** The nice value of every thread of this process (field 19 of /proc/self/task/TID/stat). */
function threadNices(): number[] {
  return readdirSync("/proc/self/task").flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      return [Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16])];
    } catch {
      return []; // a thread that ended meanwhile
    }
  });
}

describe.runIf(process.platform === "linux")("the finalize worker", () => {
  it("runs at the background nice value; the main thread keeps its own", async () => {
    const main = getPriority();
    const before = threadNices().filter((nice) => nice === BACKGROUND_NICE).length;
    const worker = startFinalizeWorker();
    try {
      await expect
        .poll(() => threadNices().filter((nice) => nice === BACKGROUND_NICE).length - before, { timeout: 20_000, interval: 20 })
        .toBeGreaterThanOrEqual(1);
      expect(getPriority()).toBe(main);
    } finally {
      worker.close();
    }
  }, 30_000);
});
