import { describe, expect, it } from "vitest";
import { timeSlicer } from "./time-slicer.ts";

describe("timeSlicer", () => {
  it("lets workers run until the slice has passed, then parks them all on one yield", async () => {
    let clock = 0;
    const breathe = timeSlicer(10, () => clock);
    expect(breathe()).toBeUndefined();
    clock = 10;
    expect(breathe()).toBeUndefined(); // not yet past the slice
    clock = 11;
    const pause = breathe();
    expect(pause).toBeInstanceOf(Promise);
    // every other worker reaching the gate waits on the same yield instead of running on in microtasks
    expect(breathe()).toBe(pause);
    expect(breathe()).toBe(pause);
    await pause;
    // a new slice starts when the yield ends
    expect(breathe()).toBeUndefined();
    clock = 21;
    expect(breathe()).toBeUndefined();
    clock = 22;
    const next = breathe();
    expect(next).toBeInstanceOf(Promise);
    expect(next).not.toBe(pause);
    await next;
  });

  it("runs what the event loop had queued before the workers go on", async () => {
    let clock = 0;
    const breathe = timeSlicer(0, () => clock);
    const ran: string[] = [];
    setImmediate(() => ran.push("immediate queued before the pause"));
    clock = 1;
    const workers = [1, 2, 3].map(async (id) => {
      await breathe();
      ran.push(`worker ${id}`);
    });
    await Promise.all(workers);
    expect(ran[0]).toBe("immediate queued before the pause");
    expect(ran.slice(1).sort()).toEqual(["worker 1", "worker 2", "worker 3"]);
  });
});
