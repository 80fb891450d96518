import { describe, expect, it } from "vitest";
import { SerialQueue } from "./serial-queue.ts";

/** A promise settled from outside. */
function gate<T>() {
  let open!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe("SerialQueue", () => {
  it("starts each piece of work once the one before has settled, in order, a failure included", async () => {
    const queue = new SerialQueue();
    const started: string[] = [];
    const first = gate<string>();
    const second = gate<string>();
    const a = queue.run(() => {
      started.push("a");
      return first.promise;
    });
    const b = queue.run(() => {
      started.push("b");
      return second.promise;
    });
    const c = queue.run(async () => {
      started.push("c");
      return "c";
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(["a"]);
    expect(queue.size).toBe(3);
    first.fail(new Error("a failed"));
    await expect(a).rejects.toThrow("a failed");
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(["a", "b"]); // the failure did not stop the queue, and c still waits for b
    second.open("b");
    expect(await b).toBe("b");
    expect(await c).toBe("c");
    expect(started).toEqual(["a", "b", "c"]);
    expect(queue.size).toBe(0);
  });

  it("runs work that throws at once as a failure of its own", async () => {
    const queue = new SerialQueue();
    await expect(
      queue.run(() => {
        throw new Error("sync");
      }),
    ).rejects.toThrow("sync");
    expect(await queue.run(async () => 1)).toBe(1);
  });
});
