import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { isDeepStrictEqual } from "node:util";
import { TunelabError } from "@tunelab/base";
import type { SamplingParams } from "@tunelab/evals";
import { DEFAULT_LEASE_SECONDS, Leases, type LeaseWhere, nowSeconds } from "@tunelab/storage";
import { DEFAULT_SAMPLING, type ExperimentServices } from "../experiments/run-experiment.ts";
import { findGraderSet } from "../grader-sets/grader-set.repository.ts";
import { getProjectByName } from "../projects/project.repository.ts";
import type { Database } from "../storage/schema.ts";
import type { Workspace } from "../storage/workspace.ts";
import {
  getEvalRun,
  insertEvalRun,
  type NewEvalRun,
  unfinishedEvalRuns,
  unfinishedStandaloneRuns,
  updateEvalRun,
} from "./eval-run.repository.ts";
import type { EvalRun } from "./eval-run.schema.ts";
import type { EvalRunEvent, EvalRunListener } from "./eval-run-events.ts";
import { type EvalSettingsInput, evalSampling, graderDeadline, modelGraderSettings, parseEvalSettings } from "./eval-settings.ts";
import { executeEvalRun, RUN_STOPPED } from "./execute-eval-run.ts";
import { countStoredSamples } from "./finalize/finalize-run.ts";
import { testItemCount } from "./test-items.ts";

/** Eval runs a process may take: not finished. */
const unfinished: LeaseWhere<{ status: string }> = (eb) => eb("status", "in", ["queued", "running"]);

/** How often `resumeSame` tries again to take a run whose lease a stopped process still held. */
const RESUME_POLL_MS = 250;

export interface StandaloneRunInput {
  project: string;
  model: string;
  provider?: string;
  samplingParams?: SamplingParams;
  /**
   * Trials per item, temperature, reasoning effort, and the model graders' request deadline and attempts (see
   * `EvalSettings`). A resumed run keeps the deadline and attempts it was started with.
   */
  evaluation?: EvalSettingsInput;
}

/**
 * Eval runs of any model outside an experiment (regression evals): scored on the project's current test split with
 * its current grader set, persisted item by item, resumable.
 */
export class EvalRunRunner {
  private readonly active = new Map<string, { controller: AbortController; done: Promise<EvalRun> }>();
  private readonly listeners = new Set<EvalRunListener>();
  /** This process, as the holder of the leases of the runs it executes. */
  private readonly owner = randomUUID();
  private readonly leases: Leases<{ status: string }>;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly ws: Workspace,
    private readonly services: ExperimentServices,
    private readonly options: { leaseSeconds?: number; resumeWhenStopped?: boolean } = {},
  ) {
    const leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    this.leases = Leases.on<Database, { status: string }>(ws.db, "eval_runs");
    this.heartbeat = setInterval(() => void this.renewLeases(leaseSeconds).catch(() => {}), leaseSeconds * 333);
    this.heartbeat.unref();
  }

  /**
   * Renews the leases of the runs this process executes. A run whose lease another process took over (this one
   * stalled, or lost the database, for longer than the lease) is stopped here, left unfinished to that process: two
   * processes never score the same run (each completion would be paid for twice).
   */
  private async renewLeases(seconds: number): Promise<void> {
    const running = [...this.active.entries()];
    if (running.length === 0) return;
    const held = new Set(
      await this.leases.renew(
        running.map(([id]) => id),
        this.owner,
        seconds,
      ),
    );
    for (const [id, { controller }] of running)
      if (!held.has(id) && this.active.get(id)?.controller === controller) controller.abort(RUN_STOPPED);
  }

  subscribe(listener: EvalRunListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async create(input: StandaloneRunInput): Promise<EvalRun> {
    return insertEvalRun(this.ws.db, await this.plan(input));
  }

  /**
   * Resumes the unfinished standalone run of this same evaluation (model, provider, sampling, trials, test split and
   * grader set) that a stopped process left behind (killed, Ctrl-C twice, the machine put to sleep), so the same
   * `tunelab eval` command run again scores only the items it had not stored. A run whose lease is still held is
   * waited for until that lease runs out (its process died without giving it back); one that a live process keeps
   * renewing is left to it as soon as a renewal is seen (the same eval in another CI job), not after the whole lease.
   * Undefined when there is none to take (the caller creates a run), or once `signal` aborts.
   */
  async resumeSame(
    input: StandaloneRunInput,
    options: { onWait?: (run: EvalRun, untilSeconds: number) => void; signal?: AbortSignal } = {},
  ): Promise<{ run: EvalRun; scored: number; done: Promise<EvalRun> } | undefined> {
    const planned = await this.plan(input);
    const sampling = JSON.parse(JSON.stringify(planned.samplingParams)) as unknown;
    const key = { ...planned, trials: planned.trials ?? 1 };
    let deadline: number | undefined;
    /** Each held run's lease expiry when first seen: a later one means its holder renewed it, so it is alive. */
    const firstSeen = new Map<string, number>();
    for (;;) {
      if (options.signal?.aborted) return undefined;
      const candidates = (await unfinishedStandaloneRuns(this.ws.db, key)).filter((c) => isDeepStrictEqual(c.run.samplingParams, sampling));
      if (candidates.length === 0) return undefined;
      for (const { run } of candidates) {
        const started = await this.start(run.id);
        if (started) return { run, scored: await countStoredSamples(this.ws.db, run.id), done: started.done };
      }
      // every one is held: wait for the leases seen first to run out; a holder that renews its lease is alive
      for (const c of candidates) if (!firstSeen.has(c.run.id)) firstSeen.set(c.run.id, c.leaseExpiresAt ?? 0);
      if (candidates.every((c) => (c.leaseExpiresAt ?? 0) > (firstSeen.get(c.run.id) ?? 0))) return undefined;
      const expiries = candidates.map((c) => c.leaseExpiresAt ?? 0);
      if (deadline === undefined) {
        deadline = Math.max(...expiries) + 1;
        const first = candidates[0];
        if (first) options.onWait?.(first.run, deadline - nowSeconds());
      }
      if (nowSeconds() > deadline) return undefined;
      await sleep(RESUME_POLL_MS, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    }
  }

  /** The run `create` would store for `input`; bad settings are refused (naming the field) before anything is read. */
  private async plan(input: StandaloneRunInput): Promise<NewEvalRun> {
    // a temperature given with the sampling parameters is the user's choice too (not replaced by the trials default)
    const given = input.samplingParams?.temperature;
    const settings = parseEvalSettings({ ...(given === undefined ? {} : { temperature: given }), ...input.evaluation });
    const project = await getProjectByName(this.ws.db, input.project);
    await this.services.assertKnownModel?.(input.provider ?? "local", input.model);
    const setup = await this.services.evaluationSetup(project.id);
    const items = await testItemCount(this.ws, setup.testSplitVersionId);
    const base = input.samplingParams ?? this.services.samplingParams ?? { ...DEFAULT_SAMPLING };
    return {
      projectId: project.id,
      experimentId: null,
      model: input.model,
      provider: input.provider ?? "local",
      testSplitVersionId: setup.testSplitVersionId,
      graderSetId: setup.graderSetId,
      samplingParams: evalSampling(base as SamplingParams, settings),
      trials: settings.trials,
      graderDeadline: graderDeadline(settings),
      total: items * settings.trials,
    };
  }

  /** Runs an eval run here (resuming it), or returns its current state when another live process runs it. */
  async run(runId: string): Promise<EvalRun> {
    const started = await this.start(runId);
    return started ? started.done : getEvalRun(this.ws.db, runId);
  }

  /**
   * Starts an eval run in this process once it holds the run's lease (heartbeated while it runs, released at the end),
   * so two processes on one database never execute the same run and a killed one's run is taken over when its lease
   * runs out. Undefined when another live process holds it. (`done` is wrapped: an async function would wait for it.)
   */
  async start(runId: string): Promise<{ done: Promise<EvalRun> } | undefined> {
    const current = this.active.get(runId);
    if (current) return { done: current.done };
    const claimed = await this.leases.claim(runId, this.owner, this.options.leaseSeconds ?? DEFAULT_LEASE_SECONDS, {
      claimable: unfinished,
      reclaim: true,
    });
    if (!claimed) return undefined;
    const again = this.active.get(runId);
    if (again) return { done: again.done };
    const controller = new AbortController();
    const done = this.execute(runId, controller.signal).finally(() => {
      this.active.delete(runId);
      return this.leases.release(runId, this.owner).catch(() => {});
    });
    this.active.set(runId, { controller, done });
    return { done };
  }

  async cancel(runId: string): Promise<EvalRun> {
    const run = await getEvalRun(this.ws.db, runId);
    if (run.status === "completed" || run.status === "failed" || run.status === "cancelled") {
      throw new TunelabError("conflict", `eval run ${runId} already ${run.status}`);
    }
    this.active.get(runId)?.controller.abort();
    await updateEvalRun(this.ws.db, runId, { status: "cancelled" });
    return getEvalRun(this.ws.db, runId);
  }

  /** Resumes standalone runs left unfinished (experiment runs resume with their experiment). */
  async resumeAll(): Promise<string[]> {
    const runs = (await unfinishedEvalRuns(this.ws.db)).filter((r) => r.experimentId === null);
    for (const run of runs) void this.run(run.id).catch(() => {});
    return runs.map((r) => r.id);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    // a long-lived process that stops leaves its runs unfinished (leases released) for another to resume
    const reason = this.options.resumeWhenStopped ? RUN_STOPPED : undefined;
    for (const { controller } of this.active.values()) controller.abort(reason);
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
  }

  private async execute(runId: string, signal: AbortSignal): Promise<EvalRun> {
    const run = await getEvalRun(this.ws.db, runId);
    const graderSet = await findGraderSet(this.ws.db, run.graderSetId);
    if (!graderSet) throw new TunelabError("not_found", `grader set ${run.graderSetId} is missing`);
    // the model graders wait as the run was started (stored with it), whichever process resumes it
    const setup = await this.services.evaluationSetup(run.projectId, { modelGrader: modelGraderSettings(run) });
    // a run is graded by the grader set it was created with, even if the project's set changed since
    const graders =
      setup.graderSetId === graderSet.id ? setup.graders : setup.graders.filter((g) => graderSet.graders.some((c) => c.name === g.name));
    try {
      const result = await executeEvalRun(this.ws, runId, {
        client: this.services.client(run.provider),
        graders,
        primaryMetric: graderSet.primaryMetric,
        concurrency: this.services.evalConcurrency ?? 8,
        signal,
        onProgress: (progress) => this.emit({ type: "eval", runId, progress }),
      });
      this.emit({ type: "eval-status", runId, status: result.status });
      return result;
    } catch (error) {
      if (!signal.aborted) await updateEvalRun(this.ws.db, runId, { status: "failed", error: (error as Error).message });
      this.emit({ type: "eval-status", runId, status: "failed" });
      return getEvalRun(this.ws.db, runId);
    }
  }

  private emit(event: EvalRunEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // listeners never stop a run
      }
    }
  }
}
