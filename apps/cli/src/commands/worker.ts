import { join } from "node:path";
import { type Experiment, openRuntime, readEnv, resolveHome, runWorkLoop, WORK_KINDS, type WorkKind } from "@tunelab/core";
import { asLocalEngine, createEngine } from "@tunelab/engine";
import { type Command, InvalidArgumentError, Option } from "commander";
import { withWorkspace } from "../context.ts";
import { integerIn, listOf } from "../option-parsers.ts";
import type { GlobalOptions } from "../output.ts";

const workKind = (text: string): WorkKind => {
  if (!(WORK_KINDS as readonly string[]).includes(text))
    throw new InvalidArgumentError(`expected one of ${WORK_KINDS.join(", ")}, got "${text}"`);
  return text as WorkKind;
};

export function registerWorker(program: Command, globals: () => GlobalOptions): void {
  program
    .command("worker")
    .description(
      "claim and run queued and unfinished experiments and eval runs from the workspace database (beside `tunelab serve --no-worker`); a dead worker's work is taken over once its lease runs out",
    )
    .addOption(
      new Option("--concurrency <n>", "experiments run at once (and as many standalone eval runs)").argParser(integerIn(1, 64)).default(2),
    )
    .addOption(
      new Option(
        "--kinds <kinds>",
        "what to take on, comma-separated: train (experiments, with their evaluation), eval (standalone eval runs)",
      )
        .argParser(listOf(workKind))
        .default(["train", "eval"], "train,eval"),
    )
    .action(async (o: { concurrency: number; kinds: WorkKind[] }) => {
      const json = globals().json === true;
      const line = (data: Record<string, unknown>, human: string) =>
        process.stdout.write(json ? `${JSON.stringify({ at: new Date().toISOString(), ...data })}\n` : `${human}\n`);
      await withWorkspace(async (ws) => {
        const leaseSeconds = readEnv().TUNELAB_LEASE_SECONDS;
        const engine = await createEngine({
          root: join(resolveHome(), "engine"),
          leaseSeconds,
          checkpointEvery: readEnv().TUNELAB_CHECKPOINT_STEPS,
        });
        const runtime = openRuntime({ ws, local: asLocalEngine(engine), concurrency: o.concurrency, resumeStoppedEvalRuns: true });
        runtime.experiments.subscribe((event) => {
          if (event.type === "status")
            line(
              { event: "status", experimentId: event.experimentId, status: event.status, message: event.message },
              `${event.experimentId}  ${event.status}${event.message ? `  ${event.message}` : ""}`,
            );
        });
        runtime.evalRuns.subscribe((event) => {
          if (event.type === "eval-status")
            line({ event: "eval-status", runId: event.runId, status: event.status }, `${event.runId}  ${event.status}`);
        });
        const stop = new AbortController();
        const onSignal = () => {
          if (stop.signal.aborted) process.exit(130);
          process.stderr.write("stopping: leases released, unfinished work is resumed by another worker or the next start\n");
          stop.abort();
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        line(
          { event: "started", pid: process.pid, concurrency: o.concurrency, kinds: o.kinds, leaseSeconds },
          `tunelab worker ${process.pid}: up to ${o.concurrency} experiment(s) and eval run(s) at once (${o.kinds.join(",")}); Ctrl-C stops`,
        );
        try {
          await runWorkLoop(
            runtime,
            {
              kinds: o.kinds,
              evalConcurrency: o.concurrency,
              // one line when claiming starts failing (a reminder every few minutes while it does), one when it works again
              onClaimError: (report) => {
                const where = report.message.includes(report.database) ? "" : ` from ${report.database}`;
                process.stderr.write(
                  report.reminder
                    ? `tunelab worker: still cannot claim work${where} (${report.failures} failed attempts since ${new Date(report.since).toISOString()}): ${report.message}\n`
                    : `tunelab worker: cannot claim work${where}, retrying: ${report.message}\n`,
                );
                if (json) line({ event: "claim-failing", database: report.database, error: report.message, failures: report.failures }, "");
              },
              onClaimRecovered: (report) => {
                process.stderr.write(
                  `tunelab worker: claiming work from ${report.database} works again (after ${report.failures} failed attempt${report.failures === 1 ? "" : "s"} since ${new Date(report.since).toISOString()})\n`,
                );
                if (json) line({ event: "claim-recovered", database: report.database, failures: report.failures }, "");
              },
              onClaimEvalRun: (id, done) => {
                line({ event: "claimed", runId: id }, `${id}  claimed`);
                void done.then(
                  () => line({ event: "released", runId: id }, `${id}  released`),
                  () => {},
                );
              },
              onClaim: (id, done) => {
                line({ event: "claimed", experimentId: id }, `${id}  claimed`);
                void done.then(
                  (e: Experiment) => line({ event: "released", experimentId: id, status: e.status }, `${id}  released (${e.status})`),
                  () => {},
                );
              },
            },
            stop.signal,
          );
        } finally {
          await runtime.close();
          await engine.close();
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        }
        line({ event: "stopped" }, "worker stopped");
      });
    });
}
