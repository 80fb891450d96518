import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AttemptDeadlines } from "./attempt-deadlines.ts";

// Fake timers move setTimeout and performance.now together, so deadlines are checked to the millisecond.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("AttemptDeadlines", () => {
  it("aborts every attempt no sooner than the timeout and at most 1/16 later, as timed out", () => {
    const run = new AbortController();
    const deadlines = new AttemptDeadlines(1_600, run.signal);
    const first = deadlines.start();
    vi.advanceTimersByTime(99);
    const last = deadlines.start(); // the same window (100 ms wide): the same signal
    expect(last.signal).toBe(first.signal);
    vi.advanceTimersByTime(1_600); // 1,699 ms after the first start, 1,600 after the last
    expect(last.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(first.signal.aborted).toBe(true);
    expect(first.timedOut()).toBe(true);
    expect(last.timedOut()).toBe(true);
    expect(run.signal.aborted).toBe(false);
    first.end();
    last.end();
    expect(vi.getTimerCount()).toBe(0);
    deadlines.close();
  });

  it("gives attempts started after the window closes a signal and a deadline of their own", () => {
    const run = new AbortController();
    const deadlines = new AttemptDeadlines(1_600, run.signal);
    const early = deadlines.start();
    vi.advanceTimersByTime(100);
    const late = deadlines.start();
    expect(late.signal).not.toBe(early.signal);
    vi.advanceTimersByTime(1_600); // the early window's deadline (100 + 1,600)
    expect(early.signal.aborted).toBe(true);
    expect(late.signal.aborted).toBe(false);
    expect(late.timedOut()).toBe(false);
    vi.advanceTimersByTime(100);
    expect(late.signal.aborted).toBe(true);
    deadlines.close();
  });

  it("aborts the attempts in flight, not as timed out, when the run stops; later attempts start aborted", () => {
    const run = new AbortController();
    const deadlines = new AttemptDeadlines(1_600, run.signal);
    const a = deadlines.start();
    vi.advanceTimersByTime(500);
    const b = deadlines.start();
    run.abort();
    for (const attempt of [a, b]) {
      expect(attempt.signal.aborted).toBe(true);
      expect(attempt.timedOut()).toBe(false);
    }
    vi.advanceTimersByTime(1_000);
    const c = deadlines.start();
    expect(c.signal.aborted).toBe(true);
    expect(c.timedOut()).toBe(false);
    deadlines.close();
  });

  it("releases a window's timer once its last attempt ended and it closed, and everything on close", () => {
    const run = new AbortController();
    const deadlines = new AttemptDeadlines(1_600, run.signal);
    const a = deadlines.start();
    a.end();
    a.end(); // ending twice counts once
    expect(vi.getTimerCount()).toBe(1); // the window is still open for new attempts
    const b = deadlines.start();
    vi.advanceTimersByTime(100);
    const c = deadlines.start(); // a new window: the first is released when b ends
    expect(vi.getTimerCount()).toBe(2);
    b.end();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(100);
    c.end();
    const d = deadlines.start(); // the second window closed with nothing in flight: released, a third opens
    expect(vi.getTimerCount()).toBe(1);
    deadlines.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(d.signal.aborted).toBe(false);
    // a closed run's signal no longer reaches the released windows
    run.abort();
    expect(d.signal.aborted).toBe(false);
  });

  it("refuses a timeout that is not positive", () => {
    expect(() => new AttemptDeadlines(0, new AbortController().signal)).toThrow(/timeoutMs must be positive/);
  });
});
