import type { DB } from "../storage/database.ts";
import { appendEvents, DEFAULT_EVENT_RETENTION, type EventRetention, latestEventId, pruneEvents } from "./event.repository.ts";
import { EventTail, type EventTailOptions } from "./event-tail.ts";
import type { LoggedEventListener, WorkspaceEvent } from "./workspace-event.schema.ts";

export interface EventLogOptions extends Omit<EventTailOptions, "onError"> {
  retention?: EventRetention;
  /** Events written between two prunes (default 1,000; the first write of a process prunes too). */
  pruneEvery?: number;
  /** How long events gather before one write, ms (default 50): a burst of training steps is one transaction. */
  batchMs?: number;
  /** A write, prune or read that failed. Default: one line on stderr, once per log. */
  onError?: (error: unknown) => void;
}

const BATCH = 200;

/**
 * The workspace's event bus across processes. `publish` appends to the event log in the database (in order, batched
 * while a write is in flight); `subscribe` follows the log from any id. So a `tunelab serve` process sees the events
 * of every CLI process and worker on the same database, and its own, each once and in one order, and a client that
 * reconnects asks for what came after the last id it saw.
 */
export class EventLog {
  private readonly tail: EventTail;
  private readonly pending: WorkspaceEvent[] = [];
  private writing: Promise<void> | undefined;
  private gathering: NodeJS.Timeout | undefined;
  /** Events written since the last prune; undefined until the first prune. */
  private sincePrune: number | undefined;
  private warned = false;

  constructor(
    private readonly db: DB,
    private readonly options: EventLogOptions = {},
  ) {
    this.tail = new EventTail(db, { ...options, onError: (error) => this.report(error) });
  }

  /** Records an event for every process's live streams; never throws and never waits (`flush` does). */
  publish(event: WorkspaceEvent): void {
    this.pending.push(event);
    if (this.writing || this.gathering) return;
    this.gathering = setTimeout(() => this.write(), this.options.batchMs ?? 50);
    // closing the log flushes; the timer alone never keeps a process alive
    this.gathering.unref();
  }

  /** Follows the log: every event with an id above `after`, then each new one. */
  subscribe(listener: LoggedEventListener, after: number): () => void {
    return this.tail.subscribe(listener, after);
  }

  /** The newest event's id (0 when none): subscribe after it for only what happens next. */
  latestId(): Promise<number> {
    return latestEventId(this.db);
  }

  /** Writes what is pending now and waits until every published event is written. */
  async flush(): Promise<void> {
    if (this.gathering) this.write();
    while (this.writing) await this.writing;
  }

  /** Writes what is pending and stops following. */
  async close(): Promise<void> {
    await this.flush();
    await this.tail.close();
  }

  private write(): void {
    clearTimeout(this.gathering);
    this.gathering = undefined;
    this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, BATCH);
        try {
          await appendEvents(this.db, batch);
          await this.prune(batch.length);
        } catch (error) {
          this.report(error);
        }
        this.tail.poke();
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async prune(written: number): Promise<void> {
    const every = this.options.pruneEvery ?? 1_000;
    if (this.sincePrune !== undefined && this.sincePrune + written < every) {
      this.sincePrune += written;
      return;
    }
    this.sincePrune = 0;
    await pruneEvents(this.db, this.options.retention ?? DEFAULT_EVENT_RETENTION);
  }

  private report(error: unknown): void {
    if (this.options.onError) {
      this.options.onError(error);
      return;
    }
    if (this.warned) return;
    this.warned = true;
    process.stderr.write(
      `tunelab: the live event log failed (${(error as Error)?.message ?? String(error)}); open pages may miss some progress until they reload\n`,
    );
  }
}
