/**
 * Runs one SDK request under its own AbortSignal that follows `signal`. The openai SDK adds an `abort` listener to
 * the signal of every request and never removes it, so a long-lived signal (an experiment's, polled every second)
 * would collect one listener per request: a leak, and Node's MaxListenersExceededWarning after ten. Here each
 * request's listener lives on a signal that is dropped with the request, and ours is removed when it ends.
 */
export async function withRequestSignal<T>(signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await call(controller.signal);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
