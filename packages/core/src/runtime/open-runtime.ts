import type { LocalEngine } from "@tunelab/contracts";
import { readEnv } from "../env.ts";
import { EvalRunRunner } from "../eval-runs/standalone-runs.ts";
import { EventLog } from "../events/event-log.ts";
import { ExperimentRunner } from "../experiments/experiment-runner.ts";
import type { ExperimentServices } from "../experiments/run-experiment.ts";
import {
  adoptPublished,
  blobsAreShared,
  publishCheckpoint,
  publishTunedModel,
  sharedTunedModelSource,
} from "../experiments/shared-tuned-models.ts";
import { unpublishTunedModel, withdrawnAmong } from "../experiments/unpublish-tuned-model.ts";
import { assertCodeGradersAllowed } from "../grader-sets/code-grader-policy.ts";
import { evaluationSetup } from "../grader-sets/evaluation-setup.ts";
import { findGraderSet } from "../grader-sets/grader-set.repository.ts";
import type { PriceOf } from "../leaderboard/leaderboard.ts";
import { knownModelCheck } from "../providers/known-model.ts";
import { loadConfig, priceOf, type TunelabConfig } from "../providers/provider-config.ts";
import { Providers } from "../providers/providers.ts";
import type { Workspace } from "../storage/workspace.ts";

/** What the apps run on: the workspace, providers (the embedded engine in-process) and the runners of long work. */
export interface Runtime {
  ws: Workspace;
  providers: Providers;
  experimentServices: ExperimentServices;
  experiments: ExperimentRunner;
  evalRuns: EvalRunRunner;
  /** The workspace's event log: this process's events are written to it, `GET /api/events` follows every process's. */
  events: EventLog;
  /** Prices from tunelab.config.json, for cost estimates. */
  prices: PriceOf;
  /** The embedded engine, when the app wired one in. */
  local?: LocalEngine;
  /**
   * Whether this process runs the work it is asked for (default true). False in `tunelab serve --no-worker`: requests
   * only store experiments and eval runs, and `tunelab worker` processes claim and run them.
   */
  runsWork: boolean;
  /** Stops the runners; work in flight stays resumable. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  ws: Workspace;
  /** The embedded engine (the `local` provider), e.g. `asLocalEngine(await createEngine(...))` from `@tunelab/engine`. */
  local?: LocalEngine;
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
  /** False: this process only records requested work and leaves running it to workers (see `Runtime.runsWork`). */
  runsWork?: boolean;
  /**
   * True for long-lived processes (`tunelab serve`, `tunelab worker`): standalone eval runs in flight when the runtime
   * closes stay unfinished, so another process resumes them. False (one-shot commands such as `tunelab eval`): they
   * end `cancelled`, as the user stopped them.
   */
  resumeStoppedEvalRuns?: boolean;
}

/** The one composition root: providers, runners and the event log over a workspace. */
export function openRuntime(options: RuntimeOptions): Runtime {
  const { ws, local } = options;
  const config = options.config ?? loadConfig();
  const providers = new Providers({
    config,
    ...(local ? { localFetch: (request: Request) => local.fetch(request), localChat: (body: object) => local.chatCompletion(body) } : {}),
  });
  const experimentServices: ExperimentServices = {
    client: (name) => providers.client(name),
    trainer: (name) => providers.trainer(name),
    evaluationSetup: async (projectId, grading) => {
      const setup = await evaluationSetup(ws, projectId, { ...grading, client: providers.client(local ? "local" : "openai") });
      const graderSet = await findGraderSet(ws.db, setup.graderSetId);
      assertCodeGradersAllowed(graderSet?.graders ?? [], options.allowCodeGraders ?? true, "run");
      return setup;
    },
    pollMs: options.pollMs ?? 500,
    evalConcurrency: options.evalConcurrency ?? 8,
    assertKnownModel: knownModelCheck(ws.db, () => providers.names(), local),
    ...(local
      ? {
          publishTunedModel: async (model: string) => (blobsAreShared(ws) ? publishTunedModel(ws, local, model) : undefined),
          adoptCheckpoint: (manifest: string) => adoptPublished(ws, local, manifest),
        }
      : {}),
    ...(options.samplingParams ? { samplingParams: options.samplingParams } : {}),
  };
  // tuned models another machine's worker trained come from the blob store, where it published them
  local?.onMissingTunedModel(sharedTunedModelSource(ws, local));
  // a tuned model deleted on this machine's engine is no longer published: no machine fetches it any more
  local?.onDeleteTunedModel((id, deletedHere) => unpublishTunedModel(ws, id, { deletedHere }));
  // and those deleted on another machine's engine are dropped here too when next listed or asked for
  local?.onWithdrawnTunedModel?.((ids) => withdrawnAmong(ws.db, ids));
  // each checkpoint goes to the blob store as it is made, so a worker elsewhere can continue a job whose worker died
  // one at a time, in the order they were made: each replaces the job's previous checkpoint in the store
  let publishing: Promise<unknown> = Promise.resolve();
  local?.onCheckpoint((checkpoint) => {
    if (!blobsAreShared(ws)) return;
    publishing = publishing.then(() =>
      publishCheckpoint(ws, local, checkpoint).catch((error: unknown) => {
        // not fatal: a takeover then trains from an earlier checkpoint, or from the start
        process.emitWarning(`checkpoint ${checkpoint.model} was not published: ${error instanceof Error ? error.message : String(error)}`);
      }),
    );
  });
  const experiments = new ExperimentRunner(ws, experimentServices, options.concurrency ?? 2, readEnv().TUNELAB_LEASE_SECONDS);
  const evalRuns = new EvalRunRunner(ws, experimentServices, {
    leaseSeconds: readEnv().TUNELAB_LEASE_SECONDS,
    resumeWhenStopped: options.resumeStoppedEvalRuns ?? false,
  });
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
    runsWork: options.runsWork ?? true,
    ...(local ? { local } : {}),
    close: async () => {
      local?.onMissingTunedModel(undefined);
      local?.onDeleteTunedModel(undefined);
      local?.onWithdrawnTunedModel?.(undefined);
      local?.onCheckpoint(undefined);
      await experiments.close();
      await evalRuns.close();
      await publishing;
      await events.close();
    },
  };
}
