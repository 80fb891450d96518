/** A clock for `Providers({ now })` that moves `stepMs` forward each time it is read, from `from`: long waits in no time. */
export function steppingClock(stepMs: number, from = "2026-12-01T00:00:00Z"): () => Date {
  let clock = Date.parse(from);
  return () => {
    clock += stepMs;
    return new Date(clock);
  };
}
