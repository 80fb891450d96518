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

describe("SerialQueue with a signal", () => {
  it("drops a piece whose signal aborts while it waits: it fails at once and never runs; the queue goes on", async () => {
    const queue = new SerialQueue();
    const first = gate<string>();
    const ran: string[] = [];
    const a = queue.run(() => {
      ran.push("a");
      return first.promise;
    });
    const stop = new AbortController();
    const b = queue.run(async () => {
      ran.push("b");
      return "b";
    }, stop.signal);
    const c = queue.run(async () => {
      ran.push("c");
      return "c";
    });
    expect(queue.size).toBe(3);
    stop.abort(new Error("client gone"));
    await expect(b).rejects.toThrow("client gone");
    expect(queue.size).toBe(2); // b left while a still runs
    first.open("a");
    expect(await a).toBe("a");
    expect(await c).toBe("c");
    expect(ran).toEqual(["a", "c"]);
    expect(queue.size).toBe(0);
  });

  it("leaves a started piece to answer its signal itself, and the next waits for it to settle", async () => {
    const queue = new SerialQueue();
    const stop = new AbortController();
    const running = gate<string>();
    const ran: string[] = [];
    const a = queue.run(() => {
      ran.push("a");
      stop.signal.addEventListener("abort", () => running.fail(new Error("a stopped")));
      return running.promise;
    }, stop.signal);
    const b = queue.run(async () => {
      ran.push("b");
      return "b";
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toEqual(["a"]);
    stop.abort();
    await expect(a).rejects.toThrow("a stopped");
    expect(await b).toBe("b");
    expect(queue.size).toBe(0);
  });

  it("never runs a piece whose signal aborted before it was given", async () => {
    const queue = new SerialQueue();
    let ran = false;
    await expect(
      queue.run(
        async () => {
          ran = true;
        },
        AbortSignal.abort(new Error("already")),
      ),
    ).rejects.toThrow("already");
    expect(ran).toBe(false);
    expect(queue.size).toBe(0);
  });
});
