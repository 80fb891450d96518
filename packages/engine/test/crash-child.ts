// A process that serves the engine on a loopback port until it is killed (used by the crash test).
import { serve } from "@hono/node-server";
import { createEngine } from "../src/index.ts";

// argv: root [checkpointEvery = 20]
const root = process.argv[2] ?? "";
const engine = await createEngine({ root, checkpointEvery: Number(process.argv[3] ?? 20), leaseSeconds: 1 });
const server = serve({ fetch: engine.app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
  process.stdout.write(`listening ${info.port}\n`);
});
process.on("SIGTERM", () => server.close());
