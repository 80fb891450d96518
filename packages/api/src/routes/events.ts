import { type LoggedEvent, TunelabError, type WorkspaceEvent } from "@tunelab/core";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { ApiServices } from "../services.ts";

/** The SSE event name of a workspace event (what `apps/web/src/lib/live.ts` listens for). */
function liveName(event: WorkspaceEvent): string {
  return event.type === "status" ? "experiment" : event.type;
}

/**
 * The id to resume after: the `Last-Event-ID` a reconnecting EventSource sends (always its latest, even when its URL
 * still carries the `?after=` it was opened with), else `?after=ID`, else none (only what happens next).
 */
function resumeAfter(query: string | undefined, header: string | undefined): number | undefined {
  const id = /^\d{1,15}$/;
  if (query !== undefined && !id.test(query))
    throw new TunelabError("invalid_argument", `after: expected an event id (a whole number ≥ 0), got "${query}"`);
  // a malformed header is not the client's doing (another server on this port sent it): ignored rather than refused
  if (header !== undefined && id.test(header.trim())) return Number(header.trim());
  return query === undefined ? undefined : Number(query);
}

/**
 * Server-Sent Events: live experiment status, training metrics, eval progress and dataset versions of every process
 * on this workspace (the CLI, workers, this server), read from the workspace's event log. Each event carries its log
 * id, so a client that reconnects (`Last-Event-ID`, or `?after=ID`) gets what it missed, each event once.
 */
export function eventRoutes(services: ApiServices): Hono {
  const app = new Hono();
  app.get("/events", async (c) => {
    const requested = resumeAfter(c.req.query("after"), c.req.header("last-event-id"));
    const latest = await services.events.latestId();
    // an id beyond this log (a page left open on another workspace served on this port) resumes from now
    const after = requested === undefined ? latest : Math.min(requested, latest);
    return streamSSE(c, async (stream) => {
      const queue: LoggedEvent[] = [];
      let wake: (() => void) | undefined;
      const off = services.events.subscribe((logged) => {
        queue.push(logged);
        wake?.();
      }, after);
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      await stream.writeSSE({ event: "ready", data: JSON.stringify({ after }), retry: 3_000 });
      try {
        while (open) {
          const next = queue.shift();
          if (next) {
            await stream.writeSSE({ id: String(next.id), event: liveName(next.event), data: JSON.stringify(next.event) });
            continue;
          }
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(resolve, 15_000);
          });
          clearTimeout(timer);
          wake = undefined;
          if (queue.length === 0 && open) await stream.writeSSE({ event: "ping", data: "{}" });
        }
      } finally {
        off();
      }
    });
  });
  return app;
}
