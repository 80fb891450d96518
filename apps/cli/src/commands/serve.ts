import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServices, isLoopback, listenApi } from "@tunelab/api";
import { countUsers, readEnv, resolveHome, TunelabError } from "@tunelab/core";
import { createEngine } from "@tunelab/engine";
import { type Command, Option } from "commander";
import { withWorkspace } from "../context.ts";
import { integerIn } from "../option-parsers.ts";

const WEB_DIST = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("the API, the web leaderboard and the engine's OpenAI-compatible /v1 on one port; resumes unfinished work")
    .option("--host <host>", "interface to bind (anything but loopback requires TUNELAB_TOKEN)", "127.0.0.1")
    .addOption(new Option("--port <port>", "port (0 picks a free one)").argParser(integerIn(0, 65_535)).default(8787))
    .option(
      "--allow-code-graders",
      "let HTTP clients register and run graders that execute code (python, custom modules); only if you trust every client",
    )
    .option(
      "--allow-private-image-urls",
      "let uploads name http(s) images on this machine or its private network (by default the server fetches public addresses only)",
    )
    .option(
      "--allowed-host <name>",
      "also answer requests for this host name (a reverse proxy's or LAN name; NAME or NAME:PORT; repeatable)",
      collect,
      [] as string[],
    )
    .option("--no-worker", "run no training or eval work here: requests only store it, `tunelab worker` processes run it")
    .action(
      async (o: {
        host: string;
        port: number;
        allowCodeGraders?: boolean;
        allowPrivateImageUrls?: boolean;
        allowedHost: string[];
        worker: boolean;
      }) => {
        const token = readEnv().TUNELAB_TOKEN;
        if (!isLoopback(o.host) && !token)
          throw new TunelabError(
            "invalid_argument",
            `binding ${o.host} exposes tunelab beyond this machine: set TUNELAB_TOKEN (clients send it as a bearer token)`,
          );
        for (const name of o.allowedHost)
          if (!/^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i.test(name))
            throw new TunelabError("invalid_argument", `--allowed-host ${name}: expected a host name, optionally with :PORT`);
        await withWorkspace(async (ws) => {
          const engine = await createEngine({
            root: join(resolveHome(), "engine"),
            leaseSeconds: readEnv().TUNELAB_LEASE_SECONDS,
            checkpointEvery: readEnv().TUNELAB_CHECKPOINT_STEPS,
            runJobs: o.worker,
          });
          const allowCodeGraders = o.allowCodeGraders === true;
          const services = createServices({ ws, engine, allowCodeGraders, runsWork: o.worker, resumeStoppedEvalRuns: true });
          const resumed = o.worker ? [...(await services.experiments.resumeAll()), ...(await services.evalRuns.resumeAll())] : [];
          const listening = await listenApi({
            services,
            allowCodeGraders,
            allowPrivateImageUrls: o.allowPrivateImageUrls === true,
            host: o.host,
            port: o.port,
            allowedHosts: o.allowedHost,
            ...(token ? { token } : {}),
            ...(existsSync(WEB_DIST) ? { webDir: WEB_DIST } : {}),
          });
          const { url } = listening;
          // One write: a reader that sees the address sees every line of the banner with it.
          const banner = [`tunelab serving on ${url}  (web ${url}/ · API ${url}/api · OpenAI-compatible ${url}/v1)`];
          if (allowCodeGraders) banner.push("--allow-code-graders: every client of this server may run code as this user");
          if (listening.loginUrl)
            banner.push(`token required (TUNELAB_TOKEN). Open the web app signed in with this one-time link:\n    ${listening.loginUrl}`);
          const users = await countUsers(ws.db);
          if (users > 0) banner.push(`${users} user(s) (\`tunelab users list\`): every request needs a token, used with its role`);
          if (resumed.length) banner.push(`resuming ${resumed.length} unfinished experiment(s)/eval run(s)`);
          if (!o.worker) banner.push("--no-worker: experiments and eval runs are stored queued; `tunelab worker` runs them");
          if (!existsSync(WEB_DIST)) banner.push("the web app is not built: `pnpm --filter @tunelab/web build`");
          process.stdout.write(`${banner.join("\n")}\n`);
          await new Promise<void>((resolve) => {
            const stop = () => resolve();
            process.once("SIGINT", stop);
            process.once("SIGTERM", stop);
          });
          await listening.close();
          await services.close();
          await engine.close();
        });
      },
    );
}
