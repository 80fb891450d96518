import { join } from "node:path";
import { openRuntime, type Runtime, readEnv, resolveHome } from "@tunelab/core";
import { asLocalEngine, createEngine } from "@tunelab/engine";
import { withWorkspace } from "./context.ts";

export interface ServiceOptions {
  /** Whether this command trains fine-tuning jobs on the embedded engine (default true). */
  runJobs?: boolean;
  /** Experiments run at once (default 2). */
  concurrency?: number;
  /** Sampling for eval runs. */
  samplingParams?: Record<string, unknown>;
  /** What the first Ctrl-C (or SIGTERM) says happens to the work (default: saved, `tunelab exp run ID` resumes it). */
  interruptNote?: string;
}

/**
 * Opens the embedded engine beside the workspace (it resumes unfinished training) and the runners. Ctrl-C stops the
 * work cleanly: everything done so far is stored and the next command resumes the rest.
 */
export async function withServices<T>(
  run: (services: Runtime & { interrupted: AbortSignal }) => Promise<T>,
  options: ServiceOptions = {},
): Promise<T> {
  return withWorkspace(async (ws) => {
    const engine = await createEngine({
      root: join(resolveHome(), "engine"),
      leaseSeconds: readEnv().TUNELAB_LEASE_SECONDS,
      checkpointEvery: readEnv().TUNELAB_CHECKPOINT_STEPS,
      runJobs: options.runJobs ?? true,
    });
    const services = openRuntime({
      ws,
      local: asLocalEngine(engine),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.samplingParams ? { samplingParams: options.samplingParams } : {}),
    });
    const interrupt = new AbortController();
    const onSignal = () => {
      if (interrupt.signal.aborted) process.exit(130);
      process.stderr.write(
        `\ninterrupted: stopping; ${options.interruptNote ?? "finished work is saved and `tunelab exp run ID` resumes the rest"} (Ctrl-C again to quit at once)\n`,
      );
      interrupt.abort();
      process.exitCode = 130;
      void services.close();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      return await run({ ...services, interrupted: interrupt.signal });
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await services.close();
      await engine.close();
    }
  });
}
