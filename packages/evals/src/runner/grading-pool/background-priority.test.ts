// Background worker threads run at a lower priority than the main thread (Linux: a nice value per thread), so the
// main thread's event loop is scheduled first when the cores are busy; the main thread itself is never changed.
import { readdirSync, readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { describe, expect, it, vi } from "vitest";
import { parseGraderConfig } from "../../graders/registry.ts";
import { toSample } from "../../item.ts";
import { BACKGROUND_NICE, lowerThreadPriority } from "./background-priority.ts";
import { GradingPool } from "./grading-pool.ts";

/** The nice value of every thread of this process (field 19 of /proc/self/task/TID/stat). */
function threadNices(): number[] {
  return readdirSync("/proc/self/task").map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
  });
}

describe("lowerThreadPriority", () => {
  it("leaves the main thread alone", () => {
    const before = getPriority();
    expect(lowerThreadPriority()).toBe(false);
    expect(getPriority()).toBe(before);
  });

  it.runIf(process.platform === "linux")("runs a grading pool's workers at the background nice value", async () => {
    const mainPriority = getPriority();
    const before = threadNices().filter((nice) => nice === BACKGROUND_NICE).length;
    const config = parseGraderConfig({
      type: "string_check",
      name: "eq",
      input: "{{sample.output_text}}",
      reference: "{{item.reference}}",
      operation: "eq",
    });
    const pool = new GradingPool([config], 2);
    try {
      const item = { id: "a", input: { messages: [{ role: "user" as const, content: "q" }] }, reference: "x", tags: [] };
      const grades = await pool.grade(toSample("x"), item);
      expect(grades.eq?.passed).toBe(true);
      // each worker lowers its priority first thing, before loading the graders
      await vi.waitFor(() => expect(threadNices().filter((nice) => nice === BACKGROUND_NICE).length - before).toBeGreaterThanOrEqual(2), {
        timeout: 10_000,
      });
      expect(getPriority()).toBe(mainPriority);
    } finally {
      await pool.close();
    }
  });
});
