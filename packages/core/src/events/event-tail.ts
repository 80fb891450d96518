import { listen, type Unlisten } from "@tunelab/storage";
import type { DB } from "../storage/database.ts";
import { EVENTS_CHANNEL, eventsAfter } from "./event.repository.ts";
import type { LoggedEventListener } from "./workspace-event.schema.ts";

export interface EventTailOptions {
  /** How often the log is read while anyone listens, ms (default 250). */
  pollMs?: number;
  /**
   * PostgreSQL: how often the log is read while a LISTEN connection wakes the tail at every append, ms (default
   * 5,000): only a safety net then, as appends NOTIFY at commit.
   */
  notifiedPollMs?: number;
  /** Rows read per query (default 500); a full page is followed by the next at once. */
  pageSize?: number;
  /** A read that failed (the next one is tried after four intervals). */
  onError?: (error: unknown) => void;
}

interface Subscriber {
  listener: LoggedEventListener;
  /** The last id this subscriber was given (or skipped). */
  cursor: number;
}

/**
 * Follows the event log while anyone listens: one indexed range query (`id > cursor`) per interval, at once when this
 * process just wrote (`poke`) or a page was full, nothing at all when no one listens. Each subscriber gets every
 * event after the id it started from exactly once, in id order, whichever process wrote it. On PostgreSQL the tail
 * also LISTENs while anyone listens: every append NOTIFYs at commit and the tail reads at once, so what a worker does
 * shows in every `serve` process without waiting for the next poll (which then only runs every `notifiedPollMs`).
 */
export class EventTail {
  private readonly subscribers = new Set<Subscriber>();
  private timer: NodeJS.Timeout | undefined;
  private timerDelay = 0;
  private reading: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** The LISTEN connection while anyone listens (PostgreSQL); resolves to undefined on SQLite or when it failed. */
  private listening: Promise<Unlisten | undefined> | undefined;
  private notified = false;

  constructor(
    private readonly db: DB,
    private readonly options: EventTailOptions = {},
  ) {}

  /** Delivers every event with an id above `after`, then each new one; returns the unsubscribe function. */
  subscribe(listener: LoggedEventListener, after: number): () => void {
    const subscriber: Subscriber = { listener, cursor: after };
    this.subscribers.add(subscriber);
    this.startListening();
    this.schedule(0);
    return () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) {
        this.stopTimer();
        void this.stopListening();
      }
    };
  }

  /** Reads now rather than at the next interval (this process just appended events). */
  poke(): void {
    this.schedule(0);
  }

  /** How many subscribers are listening. */
  get listeners(): number {
    return this.subscribers.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscribers.clear();
    this.stopTimer();
    await this.stopListening();
    await this.reading;
  }

  private get pollMs(): number {
    return this.notified ? (this.options.notifiedPollMs ?? 5_000) : (this.options.pollMs ?? 250);
  }

  private startListening(): void {
    if (this.listening || this.closed) return;
    const lost = (error: unknown) => {
      this.notified = false;
      this.options.onError?.(error);
      // polling at the usual interval again, from now
      this.schedule(0);
    };
    this.listening = listen(this.db, EVENTS_CHANNEL, () => this.poke(), lost).then(
      (unlisten) => {
        this.notified = unlisten !== undefined;
        return unlisten;
      },
      (error: unknown) => {
        lost(error);
        return undefined;
      },
    );
  }

  private async stopListening(): Promise<void> {
    const listening = this.listening;
    this.listening = undefined;
    this.notified = false;
    const unlisten = await listening;
    await unlisten?.();
  }

  private schedule(delay: number): void {
    if (this.closed || this.subscribers.size === 0) return;
    if (this.reading) {
      if (delay === 0) this.again = true;
      return;
    }
    if (this.timer) {
      if (delay >= this.timerDelay) return;
      clearTimeout(this.timer);
    }
    this.timerDelay = delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reading = this.read();
    }, delay);
    // an open HTTP server or a running job keeps the process alive, never this timer
    this.timer.unref();
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async read(): Promise<void> {
    let next = this.pollMs;
    try {
      // a subscriber that arrives during the read starts with the next one (its cursor may be below this page)
      const subscribers = [...this.subscribers];
      if (subscribers.length === 0) return;
      const from = Math.min(...subscribers.map((s) => s.cursor));
      const page = await eventsAfter(this.db, from, this.options.pageSize ?? 500);
      for (const subscriber of subscribers) {
        for (const logged of page.events) {
          if (logged.id <= subscriber.cursor) continue;
          subscriber.cursor = logged.id;
          if (!this.subscribers.has(subscriber)) break;
          try {
            subscriber.listener(logged);
          } catch {
            // one listener's failure never stops the others
          }
        }
        subscriber.cursor = Math.max(subscriber.cursor, page.cursor);
      }
      if (page.full) next = 0;
    } catch (error) {
      this.options.onError?.(error);
      next = this.pollMs * 4;
    } finally {
      this.reading = undefined;
      const again = this.again;
      this.again = false;
      this.schedule(again ? 0 : next);
    }
  }
}
