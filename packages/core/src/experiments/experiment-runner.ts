import { randomUUID } from "node:crypto";
import { TunelabError } from "@tunelab/base";
import { DEFAULT_LEASE_SECONDS } from "@tunelab/storage";
import { RUN_STOPPED } from "../eval-runs/execute-eval-run.ts";
import { LOCAL_PROVIDER } from "../providers/providers.ts";
import type { Workspace } from "../storage/workspace.ts";
import {
  claimableExperiments,
  claimExperiment,
  getExperiment,
  releaseExperiment,
  renewExperimentLeases,
  requestExperimentRun,
  transitionExperiment,
  unfinishedExperiments,
} from "./experiment.repository.ts";
import { type Experiment, FINISHED_EXPERIMENT } from "./experiment.schema.ts";
import type { ExperimentEvent, ExperimentListener } from "./experiment-events.ts";
import { stopJobLeftBehind } from "./local-takeover.ts";
import { type ExperimentServices, type ProviderJob, runExperiment, trainerOf } from "./run-experiment.ts";

/**
 * Runs experiments in this process with a concurrency limit, fans their events out to listeners (CLI progress,
 * SSE), cancels them (reaching the provider's job), and resumes every unfinished experiment on start.
 */
export class ExperimentRunner {
  private readonly active = new Map<string, { controller: AbortController; done: Promise<Experiment> }>();
  private readonly waiting: Array<{ id: string; settle: (done: Promise<Experiment>) => void }> = [];
  private readonly listeners = new Set<ExperimentListener>();
  /** The runs (by their controller) whose experiment this process has claimed, as opposed to waiting for its claim. */
  private readonly claimed = new WeakSet<AbortController>();
  /** The provider job each run (by its controller) follows. */
  private readonly jobs = new WeakMap<AbortController, ProviderJob>();
  /** This machine's engine jobs of experiments another process took over, by experiment id (see stopJobLeftBehind). */
  private readonly leftBehind = new Map<string, string>();

  private readonly owner = randomUUID();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly ws: Workspace,
    private readonly services: ExperimentServices,
    private readonly concurrency = 2,
    private readonly leaseSeconds = DEFAULT_LEASE_SECONDS,
  ) {
    this.timer = setInterval(() => void this.heartbeat().catch(() => {}), leaseSeconds * 333);
    this.timer.unref();
  }

  subscribe(listener: ExperimentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Queues an experiment; resolves when it reaches a final state (or this runner closes). The request is recorded at
   * once, so that if this process stops before it starts, the next one resumes it.
   */
  run(id: string): Promise<Experiment> {
    void requestExperimentRun(this.ws.db, id).catch(() => {}); // drive() records it again before it runs
    const current = this.active.get(id);
    if (current) return current.done;
    const queued = this.waiting.find((w) => w.id === id);
    return new Promise((resolve, reject) => {
      const settle = (done: Promise<Experiment>) => done.then(resolve, reject);
      if (queued) {
        const previous = queued.settle;
        queued.settle = (done) => {
          previous(done);
          settle(done);
        };
      } else this.waiting.push({ id, settle });
      this.pump();
    });
  }

  /** Slots free for more experiments (a worker claims at most this many). */
  get freeSlots(): number {
    return Math.max(0, this.concurrency - this.active.size - this.waiting.length);
  }

  /**
   * For workers: claims unfinished experiments no live process holds, up to the free slots, and runs them. Returns the
   * ids it took (another process's experiment is never waited on, so a slot is never spent waiting).
   */
  async claimWork(onClaim?: (id: string, done: Promise<Experiment>) => void): Promise<string[]> {
    if (this.closed || this.freeSlots === 0) return [];
    const taken: string[] = [];
    for (const id of await claimableExperiments(this.ws.db, this.freeSlots)) {
      if (this.closed || this.freeSlots === 0) break;
      if (this.active.has(id) || !(await claimExperiment(this.ws.db, id, this.owner, this.leaseSeconds))) continue;
      const done = this.run(id);
      taken.push(id);
      onClaim?.(id, done);
    }
    return taken;
  }

  /** Resumes every experiment that was not finished when the last process stopped. */
  async resumeAll(): Promise<string[]> {
    const ids = (await unfinishedExperiments(this.ws.db)).map((e) => e.id);
    for (const id of ids) void this.run(id);
    return ids;
  }

  async cancel(id: string): Promise<Experiment> {
    const experiment = await getExperiment(this.ws.db, id);
    if (FINISHED_EXPERIMENT.has(experiment.status)) throw new TunelabError("conflict", `experiment ${id} already ${experiment.status}`);
    await transitionExperiment(this.ws.db, id, "cancelled", { error: "cancelled by the user" });
    this.active.get(id)?.controller.abort();
    const index = this.waiting.findIndex((w) => w.id === id);
    const [dropped] = index >= 0 ? this.waiting.splice(index, 1) : [];
    dropped?.settle(getExperiment(this.ws.db, id));
    if (experiment.providerJobId) {
      try {
        await trainerOf(this.services, experiment.provider).cancelJob(experiment.providerJobId);
      } catch {
        // the job may have finished meanwhile; the experiment stays cancelled
      }
    }
    this.emit({ type: "status", experimentId: id, status: "cancelled", message: "cancelled" });
    return getExperiment(this.ws.db, id);
  }

  /**
   * The experiments whose claim another process took over while this process's local engine still ran their job:
   * each is watched until that job is cancelled here or needs no cancelling (see stopJobLeftBehind).
   */
  get watchedLeftBehind(): string[] {
    return [...this.leftBehind.keys()];
  }

  /**
   * Renews the claims on the experiments this process runs, and stops any that another process (an API server
   * without a worker, a CLI on another machine) cancelled meanwhile: their provider's job is cancelled from here,
   * where it runs (a local engine's job lives with the worker that trains it). An experiment whose claim another
   * process took over (this one stalled, or lost the database, for longer than the lease) is stopped here, left
   * unfinished to that process: two processes never train or score the same experiment. Its job in this machine's
   * engine is watched from then on, and cancelled once the other process no longer follows it.
   */
  private async heartbeat(): Promise<void> {
    const running = [...this.active.entries()];
    if (running.length > 0) await this.renewClaims(running);
    await this.stopJobsLeftBehind();
  }

  private async renewClaims(running: Array<[string, { controller: AbortController }]>): Promise<void> {
    // only experiments claimed before the renewal can have been lost (one still waiting for its claim is not held yet)
    const claimed = running.filter(([, { controller }]) => this.claimed.has(controller));
    const held = new Set(
      await renewExperimentLeases(
        this.ws.db,
        running.map(([id]) => id),
        this.owner,
        this.leaseSeconds,
      ),
    );
    const lost = new Set(claimed.filter(([id]) => !held.has(id)).map(([id]) => id));
    for (const [id, { controller }] of claimed) {
      if (!lost.has(id) || this.active.get(id)?.controller !== controller) continue;
      // a hosted provider's job is the other process's job too; a local engine's may be this machine's alone
      const job = this.jobs.get(controller);
      if (job?.provider === LOCAL_PROVIDER && !this.closed) this.leftBehind.set(id, job.jobId);
      controller.abort(RUN_STOPPED);
    }
    for (const [id] of running) {
      if (lost.has(id)) continue; // the process holding it now does the rest
      const experiment = await getExperiment(this.ws.db, id);
      if (experiment.status !== "cancelled") continue;
      if (experiment.providerJobId) {
        await trainerOf(this.services, experiment.provider)
          .cancelJob(experiment.providerJobId)
          .catch(() => {}); // already cancelled there (one engine shared on one machine), or finished meanwhile
      }
      this.active.get(id)?.controller.abort();
    }
  }

  private async stopJobsLeftBehind(): Promise<void> {
    for (const [id, jobId] of [...this.leftBehind]) {
      if (this.active.has(id)) continue; // its run is still settling: nothing is cancelled under it
      try {
        const watching = await stopJobLeftBehind(this.ws, trainerOf(this.services, LOCAL_PROVIDER), id, jobId);
        if (!watching && this.leftBehind.get(id) === jobId) this.leftBehind.delete(id);
      } catch {
        // the database is out of reach: looked at again on the next heartbeat
      }
    }
  }

  /** Stops following (work stays resumable) and waits for the in-flight steps to settle. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.leftBehind.clear();
    for (const { id, settle } of this.waiting.splice(0)) settle(getExperiment(this.ws.db, id));
    // a stop, not a cancel: an eval run in progress stays unfinished, for the next process to resume
    for (const { controller } of this.active.values()) controller.abort(RUN_STOPPED);
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
  }

  private pump(): void {
    while (this.active.size < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift();
      if (!next) continue;
      const { id, settle } = next;
      const controller = new AbortController();
      const done = this.drive(id, controller).finally(() => {
        this.active.delete(id);
        this.pump();
      });
      this.active.set(id, { controller, done });
      settle(done);
    }
  }

  /** Runs an experiment this process has claimed; another live process's experiment is left alone. */
  private async drive(id: string, controller: AbortController): Promise<Experiment> {
    const { signal } = controller;
    await requestExperimentRun(this.ws.db, id);
    // another process holds it: wait for it to finish or for its claim to lapse (a killed process), then take over
    while (!(await claimExperiment(this.ws.db, id, this.owner, this.leaseSeconds))) {
      const current = await getExperiment(this.ws.db, id);
      if (FINISHED_EXPERIMENT.has(current.status) || signal.aborted) return current;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    this.claimed.add(controller);
    this.leftBehind.delete(id); // followed from here again
    try {
      return await runExperiment(
        this.ws,
        this.services,
        id,
        signal,
        (event) => this.emit(event),
        (job) => this.jobs.set(controller, job),
      );
    } finally {
      await releaseExperiment(this.ws.db, id, this.owner).catch(() => {});
    }
  }

  private emit(event: ExperimentEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a listener's failure never stops an experiment
      }
    }
  }
}
