import { Worker } from "node:worker_threads";
import { type Grade, GraderError } from "../grade.ts";
import type { EvalItem, Sample } from "../item.ts";
import type { GradeRequest, GradeResponse, GraderMeta, ReadyMessage, WorkerInit } from "./protocol.ts";

const BOOTSTRAP = new URL("./bootstrap.mjs", import.meta.url);

interface Pending {
  resolve(grade: Omit<Grade, "passed" | "error"> & { passed?: boolean }): void;
  reject(error: GraderError): void;
  timer: NodeJS.Timeout;
}

/** One worker thread that has loaded the module; handles one request at a time. */
class Slot {
  readonly worker: Worker;
  pending: Pending | undefined;
  dead = false;

  constructor(
    init: WorkerInit,
    private readonly onDeath: (slot: Slot) => void,
  ) {
    this.worker = new Worker(BOOTSTRAP, { workerData: init });
    this.worker.on("message", (message: GradeResponse | ReadyMessage) => {
      if (message.kind !== "result") return;
      const pending = this.pending;
      if (!pending || this.dead) return;
      this.pending = undefined;
      clearTimeout(pending.timer);
      this.worker.unref();
      if (message.ok) pending.resolve(message.grade);
      else pending.reject(new GraderError(message.type, message.message));
    });
    this.worker.on("error", (error) => this.die(new GraderError("other_error", `custom grader worker crashed: ${error.message}`)));
    this.worker.on("exit", (code) => this.die(new GraderError("other_error", `custom grader worker exited with code ${code}`)));
  }

  /** Waits for the module to load; rejects with the load error. */
  ready(timeoutMs: number): Promise<GraderMeta> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(new GraderError("other_error", `custom grader module did not load within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (message: ReadyMessage | GradeResponse) => {
        if (message.kind === "result") return;
        clearTimeout(timer);
        this.worker.off("message", onMessage);
        this.worker.off("error", onError);
        this.worker.off("exit", onExit);
        if (message.kind === "ready") {
          this.worker.unref();
          resolve(message.meta);
        } else {
          this.kill();
          reject(new GraderError("other_error", `could not load custom grader: ${message.message}`));
        }
      };
      const onError = (error: Error) => {
        clearTimeout(timer);
        reject(new GraderError("other_error", `could not load custom grader: ${error.message}`));
      };
      const onExit = (code: number) => {
        clearTimeout(timer);
        reject(new GraderError("other_error", `could not load custom grader: the worker exited with code ${code}`));
      };
      this.worker.on("message", onMessage);
      this.worker.once("error", onError);
      this.worker.once("exit", onExit);
    });
  }

  run(request: GradeRequest, timeoutMs: number): Promise<Omit<Grade, "passed" | "error"> & { passed?: boolean }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.die(new GraderError("other_error", `custom grader timed out after ${timeoutMs} ms (worker terminated)`));
      }, timeoutMs);
      this.pending = { resolve, reject, timer };
      this.worker.ref();
      this.worker.postMessage(request);
    });
  }

  private die(error: GraderError): void {
    if (this.dead) return;
    this.dead = true;
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    void this.worker.terminate();
    this.onDeath(this);
  }

  kill(): void {
    this.die(new GraderError("other_error", "custom grader worker closed"));
  }
}

export interface PoolOptions {
  /** Worker threads per module (default 2). */
  size?: number;
}

/**
 * A small pool of worker threads for one custom grader module. Each worker grades one sample at a time; a worker
 * that times out is terminated (killing the user code) and replaced on the next request.
 */
export class CustomGraderPool {
  private readonly idle: Slot[] = [];
  private readonly all = new Set<Slot>();
  private readonly waiting: Array<() => void> = [];
  private closed = false;
  private readonly size: number;
  private nextId = 1;

  constructor(
    private readonly init: WorkerInit,
    options: PoolOptions = {},
  ) {
    this.size = Math.max(1, options.size ?? 2);
  }

  /** Starts one worker and returns the grader's metadata (name, version). */
  async start(timeoutMs: number): Promise<GraderMeta> {
    const slot = this.spawn();
    const meta = await slot.ready(timeoutMs);
    this.release(slot);
    return meta;
  }

  async grade(sample: Sample, item: EvalItem, config: unknown, timeoutMs: number) {
    const slot = await this.acquire(timeoutMs);
    try {
      return await slot.run({ kind: "grade", id: this.nextId++, sample, item, config }, timeoutMs);
    } finally {
      if (!slot.dead) this.release(slot);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.all].map((slot) => slot.worker);
    for (const slot of this.all) slot.kill();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private spawn(): Slot {
    const slot = new Slot(this.init, (dead) => {
      this.all.delete(dead);
      const at = this.idle.indexOf(dead);
      if (at >= 0) this.idle.splice(at, 1);
      this.waiting.shift()?.();
    });
    this.all.add(slot);
    return slot;
  }

  /** An idle worker, a new one while below `size`, or the next one to come free. */
  private async acquire(timeoutMs: number): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new GraderError("other_error", "custom grader pool is closed");
      const idle = this.idle.pop();
      if (idle) return idle;
      if (this.all.size < this.size) {
        const slot = this.spawn();
        await slot.ready(timeoutMs);
        return slot;
      }
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
  }

  private release(slot: Slot): void {
    this.idle.push(slot);
    this.waiting.shift()?.();
  }
}
