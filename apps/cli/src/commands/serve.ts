import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { createApiApp, createServices, isLoopback } from "@tunelab/api";
import { readEnv, resolveHome, TunelabError } from "@tunelab/core";
import { createEngine } from "@tunelab/engine";
import type { Command } from "commander";
import { withWorkspace } from "../context.ts";

import { parseNumberOption } from "../read-input.ts";

const WEB_DIST = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("the API, the web leaderboard and the engine's OpenAI-compatible /v1 on one port; resumes unfinished work")
    .option("--host <host>", "interface to bind (anything but loopback requires TUNELAB_TOKEN)", "127.0.0.1")
    .option("--port <port>", "port (0 picks a free one)", "8787")
    .action(async (o: { host: string; port: string }) => {
      const token = readEnv().TUNELAB_TOKEN;
      if (!isLoopback(o.host) && !token)
        throw new TunelabError(
          "invalid_argument",
          `binding ${o.host} exposes tunelab beyond this machine: set TUNELAB_TOKEN (clients send it as a bearer token)`,
        );
      await withWorkspace(async (ws) => {
        const engine = await createEngine({ root: join(resolveHome(), "engine"), leaseSeconds: readEnv().TUNELAB_LEASE_SECONDS ?? 15 });
        const services = createServices({ ws, engine });
        const app = createApiApp({ services, ...(token ? { token } : {}), ...(existsSync(WEB_DIST) ? { webDir: WEB_DIST } : {}) });
        const resumed = [...(await services.experiments.resumeAll()), ...(await services.evalRuns.resumeAll())];
        const server = serve({ fetch: app.fetch, hostname: o.host, port: parseNumberOption("--port", o.port) ?? 8787 }, (info) => {
          const url = `http://${info.address.includes(":") ? `[${info.address}]` : info.address}:${info.port}`;
          process.stdout.write(`tunelab serving on ${url}  (web ${url}/ · API ${url}/api · OpenAI-compatible ${url}/v1)\n`);
          if (resumed.length) process.stdout.write(`resuming ${resumed.length} unfinished experiment(s)/eval run(s)\n`);
          if (!existsSync(WEB_DIST)) process.stdout.write("the web app is not built: `pnpm --filter @tunelab/web build`\n");
        });
        await new Promise<void>((resolve) => {
          const stop = () => {
            server.close();
            resolve();
          };
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
        await services.close();
        await engine.close();
      });
    });
}
