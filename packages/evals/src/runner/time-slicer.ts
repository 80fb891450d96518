import { setImmediate as yieldToEventLoop } from "node:timers/promises";

/** Longest stretch (ms) the runner's workers run items back to back before they all yield to the event loop. */
export const YIELD_EVERY_MS = 10;

/**
 * A gate every worker passes before each item: once `sliceMs` have passed since the last yield, every worker waits on
 * the same `setImmediate`, so the event loop runs (timers, I/O, SSE, cancel) before any of them goes on. A worker that
 * yields alone does not free the loop: the others keep it busy in microtasks until each has yielded in turn. The clock
 * is real time (a test seam only): the gate decides when to yield, never what an item's record holds.
 */
export function timeSlicer(sliceMs: number, clock: () => number = () => performance.now()): () => Promise<void> | undefined {
  let sliceStarted = clock();
  let pause: Promise<void> | undefined;
  return () => {
    if (!pause && clock() - sliceStarted > sliceMs)
      pause = yieldToEventLoop().then(() => {
        pause = undefined;
        sliceStarted = clock();
      });
    return pause;
  };
}
