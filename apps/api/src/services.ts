import {
  EvalRunRunner,
  EventLog,
  ExperimentRunner,
  type ExperimentServices,
  evaluationSetup,
  findGraderSet,
  loadConfig,
  type PriceOf,
  Providers,
  priceOf,
  readEnv,
  type TunelabConfig,
  type Workspace,
} from "@tunelab/core";
import type { Engine } from "@tunelab/engine";
import { assertCodeGradersAllowed } from "./http/code-graders.ts";

/** What the API and the CLI run on: the workspace, providers (the engine in-process) and the runners of long work. */
export interface ApiServices {
  ws: Workspace;
  providers: Providers;
  experimentServices: ExperimentServices;
  experiments: ExperimentRunner;
  evalRuns: EvalRunRunner;
  /** The workspace's event log: this process's events are written to it, `GET /api/events` follows every process's. */
  events: EventLog;
  /** Prices from tunelab.config.json, for cost estimates. */
  prices: PriceOf;
  /** The embedded engine, mounted at /v1 when present. */
  engine?: Engine;
  /** Stops the runners; work in flight stays resumable. */
  close(): Promise<void>;
}

export interface ServiceOptions {
  ws: Workspace;
  engine?: Engine;
  config?: TunelabConfig;
  /** Experiments run at once (default 2). */
  concurrency?: number;
  /** How often a provider's job is polled, ms (default 500). */
  pollMs?: number;
  evalConcurrency?: number;
  /** Sampling for eval runs (default temperature 0, seed 0, max_tokens 256). */
  samplingParams?: Record<string, unknown>;
  /**
   * Whether these runners may run graders that execute code (python, custom). Default true: the CLI runs the user's
   * own graders. `tunelab serve` passes its `--allow-code-graders`, so work it runs or resumes never runs them otherwise.
   */
  allowCodeGraders?: boolean;
}

export function createServices(options: ServiceOptions): ApiServices {
  const { ws, engine } = options;
  const config = options.config ?? loadConfig();
  const providers = new Providers({
    config,
    ...(engine ? { localFetch: (request: Request) => engine.app.fetch(request) } : {}),
  });
  const experimentServices: ExperimentServices = {
    client: (name) => providers.client(name),
    trainer: (name) => providers.trainer(name),
    evaluationSetup: async (projectId) => {
      const setup = await evaluationSetup(ws, projectId, { client: providers.client(engine ? "local" : "openai") });
      const graderSet = await findGraderSet(ws.db, setup.graderSetId);
      assertCodeGradersAllowed(graderSet?.graders ?? [], options.allowCodeGraders ?? true, "run");
      return setup;
    },
    pollMs: options.pollMs ?? 500,
    evalConcurrency: options.evalConcurrency ?? 8,
    ...(options.samplingParams ? { samplingParams: options.samplingParams } : {}),
  };
  const experiments = new ExperimentRunner(ws, experimentServices, options.concurrency ?? 2, readEnv().TUNELAB_LEASE_SECONDS ?? 15);
  const evalRuns = new EvalRunRunner(ws, experimentServices);
  const events = new EventLog(ws.db);
  experiments.subscribe((event) => events.publish(event));
  evalRuns.subscribe((event) => events.publish(event));
  return {
    ws,
    providers,
    experimentServices,
    experiments,
    evalRuns,
    events,
    prices: priceOf(config),
    ...(engine ? { engine } : {}),
    close: async () => {
      await experiments.close();
      await evalRuns.close();
      await events.close();
    },
  };
}
