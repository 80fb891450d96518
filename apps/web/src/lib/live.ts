import type { WorkspaceEvent } from "@tunelab/core";
import { createSignal, onCleanup } from "solid-js";

/** Core's workspace event of this type, without its `type` (a type import: erased, no core code reaches the page). */
type Event<T extends WorkspaceEvent["type"]> = WorkspaceEvent extends infer E ? (E extends { type: T } ? Omit<E, "type"> : never) : never;

/** What `GET /api/events` sends, by SSE event name (a status event is named `experiment`). */
export interface LiveEvents {
  experiment: Event<"status">;
  metrics: Event<"metrics">;
  /** A warning of an experiment's provider job (also stored: `Experiment.warnings`). */
  warning: Event<"warning">;
  /** An experiment's provider job stopped early (also stored: `Experiment.earlyStop`). */
  "early-stop": Event<"early-stop">;
  /** A standalone eval run's progress has no experimentId. */
  eval: Event<"eval"> & { experimentId?: string | undefined };
  "eval-status": Event<"eval-status">;
  "dataset-version": Event<"dataset-version">;
}
type Handler<K extends keyof LiveEvents> = (data: LiveEvents[K]) => void;

const handlers: { [K in keyof LiveEvents]: Set<Handler<K>> } = {
  experiment: new Set(),
  metrics: new Set(),
  warning: new Set(),
  "early-stop": new Set(),
  eval: new Set(),
  "eval-status": new Set(),
  "dataset-version": new Set(),
};
const [connected, setConnected] = createSignal(false);
let source: EventSource | undefined;
/** The id of the last event received: a new EventSource (after a 401) resumes after it; a dropped one sends it itself. */
let lastEventId = "";

/** Whether the live event stream is open (shown in the header). */
export const liveConnected = connected;

function connect(): void {
  if (source || typeof EventSource === "undefined") return;
  // same-origin: the session cookie of a server with TUNELAB_TOKEN goes along
  source = new EventSource(lastEventId ? `/api/events?after=${encodeURIComponent(lastEventId)}` : "/api/events");
  source.addEventListener("ready", () => setConnected(true));
  source.addEventListener("open", () => setConnected(true));
  source.addEventListener("error", () => {
    setConnected(source?.readyState === EventSource.OPEN);
    // EventSource retries a dropped connection itself, but gives up on an HTTP error (401 before signing in)
    if (source?.readyState === EventSource.CLOSED) {
      source = undefined;
      setTimeout(connect, 5_000);
    }
  });
  for (const type of Object.keys(handlers) as Array<keyof LiveEvents>) {
    source.addEventListener(type, (event) => {
      const message = event as MessageEvent<string>;
      if (message.lastEventId) lastEventId = message.lastEventId;
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      for (const handler of handlers[type]) (handler as (d: unknown) => void)(data);
    });
  }
}

/** Subscribes for the life of the calling component (EventSource reconnects by itself after a drop). */
export function onLive<K extends keyof LiveEvents>(type: K, handler: Handler<K>): void {
  connect();
  const set = handlers[type] as Set<Handler<K>>;
  set.add(handler);
  onCleanup(() => set.delete(handler));
}

export function startLive(): void {
  connect();
}
