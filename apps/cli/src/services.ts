import { join } from "node:path";
import { ExperimentRunner, type ExperimentServices, loadConfig, Providers, resolveHome, type Workspace } from "@tunelab/core";
import { createEngine, type Engine } from "@tunelab/engine";
import { withWorkspace } from "./context.ts";
import { evaluationSetup } from "./evaluation-setup.ts";

/** Everything a long-running command needs: the workspace, the embedded engine, providers and the experiment runner. */
export interface Services {
  ws: Workspace;
  engine: Engine;
  providers: Providers;
  experiments: ExperimentServices;
  runner: ExperimentRunner;
}

export interface ServiceOptions {
  /** Experiments run at once (default 2). */
  concurrency?: number;
  pollMs?: number;
}

/** Opens the embedded engine beside the workspace (it resumes unfinished jobs) and wires providers to it. */
export async function withServices<T>(run: (services: Services) => Promise<T>, options: ServiceOptions = {}): Promise<T> {
  return withWorkspace(async (ws) => {
    const engine = await createEngine({ root: join(resolveHome(), "engine") });
    const providers = new Providers({ config: loadConfig(), localFetch: (request) => engine.app.fetch(request) });
    const experiments: ExperimentServices = {
      client: (name) => providers.client(name),
      evaluationSetup: (projectId) => evaluationSetup(ws, projectId, providers),
      pollMs: options.pollMs ?? 500,
    };
    const runner = new ExperimentRunner(ws, experiments, options.concurrency ?? 2);
    try {
      return await run({ ws, engine, providers, experiments, runner });
    } finally {
      await runner.close();
      await engine.close();
    }
  });
}
