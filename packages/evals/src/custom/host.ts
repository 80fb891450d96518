import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { workerEntry } from "@tunelab/base";
import { GraderErrorType } from "../grade.schema.ts";
import { GraderError } from "../grade.ts";
import type { EvalItem, Sample } from "../item.ts";
import { sandboxEnv } from "../sandbox/env.ts";
import { clipGraderText, DEFAULT_CUSTOM_MEMORY_MB, DEFAULT_MAX_OUTPUT_BYTES, formatBytes } from "../sandbox/limits.ts";
import type { GradeRequest, GraderMeta, WorkerInit, WorkerMessage } from "./protocol.ts";
import { checkWorkerGrade, type WorkerGrade } from "./result.ts";

/**
 * The grader worker's entry: this bootstrap (it registers tsx, then imports worker.ts) from the TypeScript sources, the
 * compiled `grader-worker.js` beside the bundle when running compiled (bundle-checked by apps/cli/test/compiled.test.ts).
 */
const BOOTSTRAP = workerEntry("grader-worker", new URL("./bootstrap.mjs", import.meta.url));

/** The sandbox every worker of a custom grader runs in. */
export interface SandboxOptions {
  /** Environment variables the grader declared; it gets these, `PATH`/`LANG` and a temporary `HOME`, nothing else. */
  env?: readonly string[];
  /** JavaScript heap of each worker, in MB (default 512); a worker that needs more is stopped. */
  memoryMb?: number;
  /** Bytes the grader may print (stdout and stderr) per grade (default 1 MB); past it the worker is stopped. */
  maxOutputBytes?: number;
}

/** Temporary HOME directories of live workers, removed when their worker exits (or at the latest with the process). */
const homes = new Set<string>();
let cleanupRegistered = false;
function removeHome(home: string): void {
  if (!homes.delete(home)) return;
  try {
    rmSync(home, { recursive: true, force: true });
  } catch {
    // best effort: it is empty unless the grader wrote there
  }
}
function newHome(): string {
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    process.once("exit", () => {
      for (const home of [...homes]) removeHome(home);
    });
  }
  const home = mkdtempSync(join(tmpdir(), "tunelab-grader-"));
  homes.add(home);
  return home;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: GraderError): void;
  timer: NodeJS.Timeout;
}

/**
 * One worker thread that has loaded the module; handles one request at a time. Its `process.env` holds only the
 * scrubbed environment, its heap is capped by `resourceLimits`, and what it prints is counted and capped.
 */
class Slot {
  readonly worker: Worker;
  private loading: Waiter<GraderMeta> | undefined;
  private pending: Waiter<WorkerGrade> | undefined;
  dead = false;
  private outputBytes = 0;

  constructor(
    init: WorkerInit,
    private readonly sandbox: Required<SandboxOptions>,
    private readonly onDeath: (slot: Slot) => void,
  ) {
    const home = newHome();
    this.worker = new Worker(BOOTSTRAP, {
      workerData: init,
      env: sandboxEnv(home, sandbox.env),
      resourceLimits: { maxOldGenerationSizeMb: sandbox.memoryMb, stackSizeMb: 4 },
      stdout: true,
      stderr: true,
    });
    const onOutput = (chunk: Buffer) => {
      if (this.dead) return;
      this.outputBytes += chunk.length;
      if (this.outputBytes > sandbox.maxOutputBytes) this.outputLimit();
      else process.stderr.write(chunk);
    };
    this.worker.stdout.on("data", onOutput);
    this.worker.stderr.on("data", onOutput);
    this.worker.on("message", (message: WorkerMessage) => this.onMessage(message));
    this.worker.on("error", (error: Error & { code?: string }) => {
      if (error.code === "ERR_WORKER_OUT_OF_MEMORY") {
        this.die(`custom grader exceeded its memory limit (${sandbox.memoryMb} MB) and was stopped`);
      } else this.die(this.loading ? `could not load custom grader: ${error.message}` : `custom grader worker crashed: ${error.message}`);
    });
    this.worker.on("exit", (code) => {
      removeHome(home);
      this.die(
        this.loading
          ? `could not load custom grader: the worker exited with code ${code}`
          : `custom grader worker exited with code ${code}`,
      );
    });
  }

  private onMessage(message: WorkerMessage): void {
    if (this.dead) return;
    if (message.kind === "output_limit") {
      this.outputLimit();
      return;
    }
    if (message.kind === "ready" || message.kind === "load_error") {
      const loading = this.loading;
      if (!loading) return;
      if (message.kind === "load_error") {
        this.die(`could not load custom grader: ${String(message.message)}`);
        return;
      }
      this.loading = undefined;
      clearTimeout(loading.timer);
      this.worker.unref();
      loading.resolve(message.meta);
      return;
    }
    if (message.kind !== "result") return;
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    this.worker.unref();
    if (!message.ok) {
      const type = GraderErrorType.safeParse(message.type);
      pending.reject(new GraderError(type.success ? type.data : "other_error", clipGraderText(String(message.message))));
      return;
    }
    const checked = checkWorkerGrade(message.grade);
    if (checked.ok) pending.resolve(checked.grade);
    else pending.reject(new GraderError("other_error", checked.message));
  }

  private outputLimit(): void {
    this.die(`custom grader wrote more than ${formatBytes(this.sandbox.maxOutputBytes)} of output (output limit; worker stopped)`);
  }

  /** Waits for the module to load; rejects with the load error. */
  ready(timeoutMs: number): Promise<GraderMeta> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.die(`custom grader module did not load within ${timeoutMs} ms`), timeoutMs);
      this.loading = { resolve, reject, timer };
    });
  }

  run(request: GradeRequest, timeoutMs: number): Promise<WorkerGrade> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.die(`custom grader timed out after ${timeoutMs} ms (worker terminated)`), timeoutMs);
      this.pending = { resolve, reject, timer };
      this.outputBytes = 0;
      this.worker.ref();
      this.worker.postMessage(request);
    });
  }

  /** Ends the worker; whoever waits on it (loading or a grade) gets `message` as an `other_error`. */
  private die(message: string): void {
    if (this.dead) return;
    this.dead = true;
    const error = new GraderError("other_error", message);
    for (const waiter of [this.loading, this.pending]) {
      if (!waiter) continue;
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.loading = undefined;
    this.pending = undefined;
    void this.worker.terminate();
    this.onDeath(this);
  }

  kill(): void {
    this.die("custom grader worker closed");
  }
}

export interface PoolOptions extends SandboxOptions {
  /** Worker threads per module (default 2). */
  size?: number;
}

/**
 * A small pool of worker threads for one custom grader module. Each worker grades one sample at a time; a worker
 * that times out, runs out of memory or prints too much is terminated (killing the user code) and replaced on the
 * next request.
 */
export class CustomGraderPool {
  private readonly idle: Slot[] = [];
  private readonly all = new Set<Slot>();
  private readonly waiting: Array<() => void> = [];
  private closed = false;
  private readonly size: number;
  private readonly sandbox: Required<SandboxOptions>;
  private nextId = 1;

  private readonly init: WorkerInit;

  constructor(init: Omit<WorkerInit, "maxOutputBytes">, options: PoolOptions = {}) {
    this.size = Math.max(1, options.size ?? 2);
    this.sandbox = {
      env: options.env ?? [],
      memoryMb: options.memoryMb ?? DEFAULT_CUSTOM_MEMORY_MB,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    };
    this.init = { ...init, maxOutputBytes: this.sandbox.maxOutputBytes };
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
    const slot = new Slot(this.init, this.sandbox, (dead) => {
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
