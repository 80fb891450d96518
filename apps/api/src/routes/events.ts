import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { ApiServices } from "../services.ts";

/** Server-Sent Events: live experiment status, training metrics and eval progress. */
export function eventRoutes(services: ApiServices): Hono {
  const app = new Hono();
  app.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      const queue: Array<{ event: string; data: string }> = [];
      let wake: (() => void) | undefined;
      const push = (event: string, data: unknown) => {
        queue.push({ event, data: JSON.stringify(data) });
        wake?.();
      };
      const off = [
        services.experiments.subscribe((e) => push(e.type === "status" ? "experiment" : e.type, e)),
        services.evalRuns.subscribe((e) => push(e.type, e)),
      ];
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      await stream.writeSSE({ event: "ready", data: "{}" });
      try {
        while (open) {
          const next = queue.shift();
          if (next) {
            await stream.writeSSE(next);
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 15_000);
          });
          wake = undefined;
          if (queue.length === 0 && open) await stream.writeSSE({ event: "ping", data: "{}" });
        }
      } finally {
        for (const unsubscribe of off) unsubscribe();
      }
    }),
  );
  return app;
}
