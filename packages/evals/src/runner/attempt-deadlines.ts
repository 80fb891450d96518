import { setMaxListeners } from "node:events";

/** Attempts started within this share of the timeout share one deadline: each may run up to 1/16 longer than asked. */
export const DEADLINE_WINDOWS_PER_TIMEOUT = 16;

/** One request attempt's abort signal: aborted when its deadline passes or the run stops. */
export interface Attempt {
  readonly signal: AbortSignal;
  /** Whether the signal aborted because the deadline passed (not because the run stopped). */
  timedOut(): boolean;
  /** The attempt settled: its deadline's timer and listener are released once no attempt holds them. */
  end(): void;
}

interface Window {
  controller: AbortController;
  timer: ReturnType<typeof setTimeout>;
  /** New attempts join this window until then (ms, `performance.now()`). */
  closesAt: number;
  active: number;
  timedOut: boolean;
}

/**
 * Per-attempt timeouts for a run's requests, grouped by start time: every attempt started within the same window (the
 * timeout / `DEADLINE_WINDOWS_PER_TIMEOUT`) shares one AbortController, one timer and one listener on the run's
 * signal, and is aborted `timeoutMs` after the window closes, so each attempt gets at least `timeoutMs` and at most
 * 1/16 more. A controller, a timer and two listeners per attempt were about 15% of the main thread's CPU in a
 * 10,000-item eval whose model answers at once. The timers do not keep the process alive; `close` releases them.
 */
export class AttemptDeadlines {
  private current: Window | undefined;
  private readonly windowMs: number;
  private readonly windows = new Set<Window>();
  private readonly onStop = () => {
    for (const window of this.windows) window.controller.abort(this.runSignal.reason);
  };

  constructor(
    private readonly timeoutMs: number,
    private readonly runSignal: AbortSignal,
  ) {
    if (!(timeoutMs > 0)) throw new Error(`timeoutMs must be positive, got ${timeoutMs}`);
    this.windowMs = timeoutMs / DEADLINE_WINDOWS_PER_TIMEOUT;
    runSignal.addEventListener("abort", this.onStop, { once: true });
  }

  start(): Attempt {
    const window = this.openWindow();
    window.active++;
    let ended = false;
    return {
      signal: window.controller.signal,
      timedOut: () => window.timedOut,
      end: () => {
        if (ended) return;
        ended = true;
        window.active--;
        if (window.active === 0 && window !== this.current) this.release(window);
      },
    };
  }

  /** Releases every window's timer and the listener on the run's signal (attempts still running keep their signals). */
  close(): void {
    for (const window of this.windows) this.release(window);
    this.current = undefined;
    this.runSignal.removeEventListener("abort", this.onStop);
  }

  private openWindow(): Window {
    const now = performance.now();
    const open = this.current;
    if (open && now < open.closesAt) return open;
    if (open && open.active === 0) this.release(open);
    const controller = new AbortController();
    // every request in flight in this window listens to its signal (the SDK, fetch)
    setMaxListeners(0, controller.signal);
    if (this.runSignal.aborted) controller.abort(this.runSignal.reason);
    const closesAt = now + this.windowMs;
    const abortAfterMs = this.windowMs + this.timeoutMs;
    const window: Window = {
      controller,
      closesAt,
      active: 0,
      timedOut: false,
      timer: setTimeout(() => {
        window.timedOut = true;
        controller.abort();
        this.release(window);
      }, abortAfterMs),
    };
    window.timer.unref?.();
    this.windows.add(window);
    this.current = window;
    return window;
  }

  private release(window: Window): void {
    clearTimeout(window.timer);
    this.windows.delete(window);
    if (this.current === window) this.current = undefined;
  }
}
