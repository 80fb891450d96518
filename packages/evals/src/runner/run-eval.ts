import { setMaxListeners } from "node:events";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { isMainThread, type Worker } from "node:worker_threads";
import { type Grade, statusOf } from "../grade.ts";
import { mayBacktrack } from "../graders/pure.ts";
import type { EvalItem, Sample } from "../item.ts";
import { toSample } from "../item.ts";
import { AttemptDeadlines } from "./attempt-deadlines.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./backoff.ts";
import { type CompletionCache, completionCacheKey } from "./cache.ts";
import { complete, loadFetchClasses } from "./complete.ts";
import type { Completion } from "./completion.ts";
import { gradeSample, type RunnerGrader } from "./grade-sample.ts";
import { GradingPool } from "./grading-pool/grading-pool.ts";
import type { ItemRecord, ItemStatus } from "./item-record.ts";
import { ParameterFallbacks } from "./parameter-fallbacks.ts";
import type { RunProgress } from "./progress.ts";
import { RateLimiter, type RateLimits } from "./rate-limiter.ts";
import { buildRequest } from "./request.ts";
import { RecordTally, type RunSummary, summarizeRecords } from "./run-result.ts";
import { SampleBatcher } from "./sample-batcher.ts";
import type { SampleError } from "./sample-error.ts";
import { isDeterministic, type Sampler } from "./sampler.ts";
import { sleep as defaultSleep } from "./sleep.ts";
import { timeSlicer, YIELD_EVERY_MS } from "./time-slicer.ts";
import { MAX_TRIALS, trialKey, trialSamplingParams } from "./trials.ts";
import { addUsage } from "./usage.ts";

export interface RunEvalOptions {
  items: readonly EvalItem[];
  sampler: Sampler;
  graders: readonly RunnerGrader[];
  /** Items sampled and graded at once (default 8). */
  concurrency?: number;
  /** Per-request timeout in ms, response body included (default 60,000). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  rateLimits?: RateLimits;
  /** Used only for deterministic requests (temperature 0 or a seed). */
  cache?: CompletionCache;
  /** Stops scheduling, aborts requests in flight; `runEval` then resolves with the items that finished. */
  signal?: AbortSignal;
  /**
   * Times each item is sampled and graded (default 1). Trial t of a seeded request asks for seed + t; cached
   * completions are kept per trial index, so a trial never reuses another trial's completion.
   */
  trials?: number;
  /** Units already finished by a previous run (`trialKey(item_id, trial)`: the item id for trial 0): skipped. */
  skip?: ReadonlySet<string>;
  /**
   * Awaited before an item counts as done (persist it here). If it throws, the run stops and rejects; so does a
   * throwing cache or `onProgress`.
   */
  onSample?: (record: ItemRecord) => Promise<void> | void;
  /**
   * Batch alternative to `onSample` (persist them in one transaction here): finished records are handed over
   * together, at the latest on the next turn of the event loop after the first of them finished or when
   * `MAX_SAMPLE_BATCH` wait; a record counts as done only once its batch resolved, and `onProgress` is called once per
   * batch. If it throws, the run stops and rejects; the records of that batch never count.
   */
  onSamples?: (records: ItemRecord[]) => Promise<void> | void;
  onProgress?: (progress: RunProgress) => void;
  /**
   * Keep every record for the result's `items` (default true). False for a caller that persists records as they
   * finish (`onSample`/`onSamples`): a record is then dropped once handed over and counted, so a large run does not hold
   * all of them until its end; the result's counts are the same, its `items` empty.
   */
  keepRecords?: boolean;
  /**
   * Grade pure graders (those with a `config`, see `RunnerGrader`) in a pool of worker threads (`GradingPool`), while
   * this thread samples and stores: true, false, or a number of threads. Default: a pool of `defaultGradingThreads()`
   * when this is the main thread and the run has `OFF_THREAD_GRADING_UNITS` units or more to grade. Other graders
   * (model graders, python and custom code graders with their own isolation) are graded here as always.
   */
  offThreadGrading?: boolean | number;
  /**
   * A worker thread of the caller's to grade in as one of the pool's threads, when there is a pool (`GradingPool`'s
   * `host`): e.g. the eval run's finalize worker, so the run starts one thread fewer.
   */
  gradingHost?: Worker;
  /** How long the pool's worker may take over one batch before the run fails (`GRADING_DEADLINE_MS` by default). */
  gradingDeadlineMs?: number;
  /** Test seams: the wait used for backoff and rate limits, the jitter source, the clock. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** Runs with this many units (item x trial) or more grade their pure graders in a pool of worker threads by default. */
export const OFF_THREAD_GRADING_UNITS = 200;

/**
 * Items sampled but not yet graded and stored at most, when grading in a pool (sampling runs ahead of grading). Items
 * in flight outlive this thread's young-generation collections and are promoted: 256 instead of 512 took the graders
 * bench's peak RSS down by about 5 MiB with the same wall time (10,000 items x 4 graders, compiled child, three runs).
 */
export const MAX_GRADING_IN_FLIGHT = 256;

export interface RunEvalResult extends RunSummary {
  /** `cancelled` when the signal aborted before every item finished. */
  status: "completed" | "cancelled";
  skipped: number;
  retries: number;
  /** Sampling parameters the model refused and the run left out, one sentence each (ParameterFallbacks). */
  samplingNotes: string[];
}

/**
 * Samples every item (not in `skip`) from the sampler, grades it with every grader, and returns OpenAI's run
 * shape. Every item ends as exactly one record (passed, failed or errored) handed once to `onSample`, unless the
 * run is cancelled while its completion is in flight (then it has no record and a resumed run redoes it).
 */
export async function runEval(options: RunEvalOptions): Promise<RunEvalResult> {
  const graderNames = uniqueNames(options.graders);
  const trials = options.trials ?? 1;
  if (!Number.isInteger(trials) || trials < 1 || trials > MAX_TRIALS)
    throw new Error(`trials must be an integer from 1 to ${MAX_TRIALS}, got ${trials}`);
  // listing a large run's units takes milliseconds (10-20 for 10,000 items): a turn of the event loop of their own, after
  // whatever the caller did before (see the setup below)
  await yieldToEventLoop();
  const todo = pendingUnits(options.items, trials, options.skip);
  const now = options.now ?? Date.now;
  const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const limiter = options.rateLimits ? new RateLimiter(options.rateLimits, now) : undefined;
  const { sampler } = options;
  const cache = isDeterministic(sampler.samplingParams) ? options.cache : undefined;
  const fallbacks = new ParameterFallbacks(sampler.model);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  const deadlines = new AttemptDeadlines(options.timeoutMs ?? 60_000, stop.signal);

  const keepRecords = options.keepRecords ?? true;
  const records = new Map<string, ItemRecord>();
  const tally = keepRecords ? undefined : new RecordTally(graderNames);
  const progress: RunProgress = {
    done: 0,
    total: todo.length,
    skipped: options.items.length * trials - todo.length,
    passed: 0,
    failed: 0,
    errored: 0,
    cacheHits: 0,
    retries: 0,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0, invocation_count: 0 },
  };
  options.onProgress?.({ ...progress });
  let fatal: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    fatal ??= { error };
    stop.abort();
  };

  const count = (record: ItemRecord, notify = true) => {
    if (tally) tally.add(record);
    else records.set(trialKey(record.item_id, record.trial ?? 0), record);
    progress.done++;
    progress[record.status]++;
    if (record.cached) progress.cacheHits++;
    else if (record.sample) {
      const { invocation_count, ...usage } = progress.usage;
      progress.usage = { ...addUsage(usage, record.usage), invocation_count: invocation_count + 1 };
    }
    if (notify) options.onProgress?.({ ...progress, usage: { ...progress.usage } });
  };
  const { onSamples } = options;
  const batcher = onSamples
    ? new SampleBatcher<ItemRecord>(
        onSamples,
        (batch) => {
          for (const record of batch) count(record, false);
          options.onProgress?.({ ...progress, usage: { ...progress.usage } }); // once per stored batch
        },
        fail,
      )
    : undefined;

  // pure graders in a pool of worker threads (when the run is large enough), every other grader here
  const pooled = options.graders.flatMap((grader) => (grader.config ? [grader.config] : []));
  // graders that may backtrack for ever are graded off this thread, with a deadline, however small the run
  const threads =
    options.offThreadGrading ??
    (isMainThread && (todo.length >= OFF_THREAD_GRADING_UNITS || pooled.some((config) => mayBacktrack(config))));
  const pool =
    threads !== false && pooled.length > 0
      ? new GradingPool(
          pooled,
          typeof threads === "number" ? threads : undefined,
          options.gradingHost,
          options.gradingDeadlineMs ? { deadlineMs: options.gradingDeadlineMs } : {},
        )
      : undefined;
  const here = pool ? options.graders.filter((grader) => !grader.config) : options.graders;
  const grade = async (sample: Sample | null, item: EvalItem, samplingError: string | undefined): Promise<Record<string, Grade>> => {
    if (!pool || !sample) return gradeSample(options.graders, sample, item, samplingError);
    // every grader pooled: the worker's grades are already in the graders' order
    if (here.length === 0) return pool.grade(sample, item);
    const [there, local] = await Promise.all([pool.grade(sample, item), gradeSample(here, sample, item, samplingError)]);
    // in the graders' order, as gradeSample returns them
    const grades: Record<string, Grade> = {};
    for (const grader of options.graders) {
      const graded = there[grader.name] ?? local[grader.name];
      if (graded) grades[grader.name] = graded;
    }
    return grades;
  };

  /** An item's completion (or why there is none); undefined when the run was cancelled while it was in flight. */
  const sampleUnit = async ({ item, trial }: Unit): Promise<Sampled | undefined> => {
    const started = now();
    const requested = buildRequest(sampler.model, trialSamplingParams(sampler.samplingParams, trial), item);
    const body = fallbacks.apply(requested);
    // cached under what the run asked for (a later run finds it before learning what the model refuses), but only while
    // what is sent stays deterministic: a model that refused temperature 0, asked without a seed, samples at random
    const cacheable = (sent: typeof body) => isDeterministic({ temperature: sent.temperature ?? undefined, seed: sent.seed ?? undefined });
    const key =
      cache && cacheable(body)
        ? completionCacheKey((trial === 0 ? requested : { ...requested, tunelab_trial: trial }) as unknown as Record<string, unknown>)
        : undefined;
    let completion: Completion | undefined = key ? await cache?.get(key) : undefined;
    const cached = completion !== undefined;
    let sampleError: SampleError | undefined;
    let attempts = 0;
    if (!completion) {
      const outcome = await complete(body, {
        client: sampler.client,
        deadlines,
        retry,
        signal: stop.signal,
        limiter,
        sleep: options.sleep ?? defaultSleep,
        random: options.random ?? Math.random,
        now,
        onRetry: () => progress.retries++,
        adapt: (thrown, sent) => fallbacks.retryWithout(thrown, sent),
      });
      if (outcome.kind === "cancelled") return;
      attempts = outcome.attempts;
      if (outcome.kind === "ok") {
        completion = outcome.completion;
        if (key && cacheable(outcome.body)) await cache?.set(key, completion);
      } else sampleError = outcome.error;
    }
    return { item, trial, started, completion, cached, attempts, ...(sampleError ? { sampleError } : {}) };
  };

  /** Grades a sampled item and hands its record over (stored, then counted). */
  const finishUnit = async ({ item, trial, started, completion, cached, attempts, sampleError }: Sampled): Promise<void> => {
    const sample = completion ? toSample(completion.output_text, completion.output_tools) : null;
    const grades = await grade(sample, item, sampleError?.message);
    const record: ItemRecord = {
      item_id: item.id,
      ...(trials > 1 ? { trial } : {}),
      tags: item.tags,
      status: itemStatus(sample !== null, Object.values(grades).map(statusOf)),
      sample,
      ...(sampleError ? { sample_error: sampleError } : {}),
      grades,
      model: sampler.model,
      usage: completion?.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0 },
      cached,
      attempts,
      finish_reason: completion?.finish_reason ?? null,
      ...(completion?.output_reasoning ? { reasoning: completion.output_reasoning } : {}),
      latency_ms: now() - started,
    };
    if (fatal) return;
    if (batcher) {
      // full batch: wait for its write (back-pressure); otherwise go on, it is written on the next turn
      await batcher.add(record);
      return;
    }
    try {
      await options.onSample?.(record);
    } catch (error) {
      fail(error);
      return;
    }
    count(record);
  };

  const runItem = async (unit: Unit): Promise<void> => {
    const sampled = await sampleUnit(unit);
    if (sampled) await finishUnit(sampled);
  };
  /** With a pool, items being graded and stored while the workers sample the next ones. */
  const grading = new Set<Promise<void>>();
  /**
   * Workers waiting for a grading slot; each item that finishes wakes one. (`Promise.race` over the in-flight set
   * attached a reaction to each of its up to MAX_GRADING_IN_FLIGHT promises on every wait, one wait per item once
   * sampling runs ahead: millions of reactions kept alive until their promises settled.)
   */
  const slotWaiters: Array<() => void> = [];
  const gradeInBackground = async (unit: Unit): Promise<void> => {
    const sampled = await sampleUnit(unit);
    if (!sampled) return;
    const finishing: Promise<void> = finishUnit(sampled)
      .catch(fail)
      .then(() => {
        grading.delete(finishing);
        slotWaiters.shift()?.();
      });
    grading.add(finishing);
    while (grading.size >= MAX_GRADING_IN_FLIGHT) await new Promise<void>((resolve) => slotWaiters.push(resolve));
  };

  let next = 0;
  // Setting up (the units, the pool's threads), loading fetch's classes (Node compiles its bundled undici on their
  // first use, tens of milliseconds) and the first requests each take a turn of the event loop of their own, so they
  // never add up to one long block.
  await yieldToEventLoop();
  loadFetchClasses();
  await yieldToEventLoop();
  const breathe = timeSlicer(YIELD_EVERY_MS);
  const worker = async () => {
    while (!stop.signal.aborted) {
      // cached completions and fast graders never wait on I/O: let the event loop breathe (progress, SSE, cancel)
      await breathe();
      const unit = todo[next++];
      if (!unit) return;
      try {
        await (pool ? gradeInBackground(unit) : runItem(unit));
      } catch (error) {
        // A failing cache, grader adapter, sample writer or progress callback is a bug to surface, not an item status.
        fail(error);
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 8, todo.length));
  // One abort listener per backoff wait, and the attempts' deadlines.
  setMaxListeners(workers + 10, stop.signal);
  try {
    await Promise.all(Array.from({ length: workers }, worker));
    await Promise.all([...grading]);
    // the records finished last (and those of a cancelled run) are written before the run ends
    await batcher?.flush().catch(fail);
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    deadlines.close();
    await pool?.close();
  }
  if (fatal) throw fatal.error;

  const outcome = { skipped: progress.skipped, retries: progress.retries, samplingNotes: fallbacks.notes() };
  // every unit is counted once, when its record was handed over
  if (tally) return { status: progress.done === todo.length ? "completed" : "cancelled", ...outcome, ...tally.summary([]) };
  const finished = todo.flatMap((unit) => records.get(trialKey(unit.item.id, unit.trial)) ?? []);
  return { status: finished.length === todo.length ? "completed" : "cancelled", ...outcome, ...summarizeRecords(finished, graderNames) };
}

function itemStatus(sampled: boolean, statuses: readonly ItemStatus[]): ItemStatus {
  if (!sampled || statuses.includes("errored")) return "errored";
  return statuses.every((status) => status === "passed") ? "passed" : "failed";
}

function uniqueNames(graders: readonly RunnerGrader[]): string[] {
  const names = graders.map((grader) => grader.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) throw new Error(`grader names must be unique: "${duplicate}" appears twice`);
  return names;
}

interface Unit {
  item: EvalItem;
  trial: number;
}

/** A unit once sampled: its completion, or the error that left it without one. */
interface Sampled extends Unit {
  started: number;
  completion: Completion | undefined;
  cached: boolean;
  attempts: number;
  sampleError?: SampleError;
}

/** Every (item, trial) not in `skip`, trial by trial (a cancelled run has whole early trials). */
function pendingUnits(items: readonly EvalItem[], trials: number, skip: ReadonlySet<string> | undefined): Unit[] {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.id)) throw new Error(`item ids must be unique: "${item.id}" appears twice`);
    seen.add(item.id);
  }
  const units: Unit[] = [];
  const skipping = skip && skip.size > 0 ? skip : undefined; // a new run: no key to build per unit
  for (let trial = 0; trial < trials; trial++)
    for (const item of items) if (!skipping?.has(trialKey(item.id, trial))) units.push({ item, trial });
  return units;
}
