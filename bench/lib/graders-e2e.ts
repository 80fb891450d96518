// Part b of bench/graders.ts: promptfoo's end-to-end work (ANCHORS.md, "Grading: promptfoo") done by tunelab:
// 10,000 test items x 4 deterministic graders, outputs given (every completion is a completion-cache hit, the
// provider's fetch throws), run through core's `executeEvalRun` on a real SQLite workspace, every sample and grade
// persisted, then the run's aggregates computed. As in `tunelab eval`, the run's progress events go to the
// workspace's event log (what `tunelab serve` streams), written before the process exits.
//
//   setup HOME ITEMS  imports the test split and grader set into HOME and writes HOME/completions.json (the cache)
//   run HOME          one eval run of the whole split in a fresh process; prints its figures
//
// Run by bench/graders.ts; each part in its own process so start-up and peak memory are measured per run.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  closeWorkspace,
  EventLog,
  evaluationSetup,
  executeEvalRun,
  getProjectByName,
  insertEvalRun,
  openWorkspace,
  Providers,
  saveGraderSet,
  setTestSplit,
  testItems,
} from "@tunelab/core";
import {
  buildRequest,
  type Completion,
  completionCacheKey,
  MemoryCompletionCache,
  type RunnerGrader,
} from "../../packages/evals/src/index.ts";
import { reportResult, sinceSpawn } from "./child.ts";
import { chatLine, testCases, unequalShare } from "./data.ts";
import { PROMPTFOO_EQUIVALENT_GRADERS } from "./grader-configs.ts";
import { peakRss } from "./measure.ts";

const readyMs = sinceSpawn(); // every module above is loaded
const readyRssBytes = process.memoryUsage().rss;
const cpuMs = () => {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
};
const readyCpuMs = cpuMs();
const PROJECT = "bench";
const MODEL = "ticket-router-v1";
/** Deterministic sampling (temperature 0, a seed): the only requests the completion cache may answer. */
const SAMPLING = { temperature: 0, seed: 0, max_tokens: 256 };
const CACHE_FILE = "completions.json";

export interface SetupResult {
  items: number;
  unequalShare: number;
  splitImportMs: number;
  cacheBuildMs: number;
  peakRssBytes: number;
}

export interface EventLoopBlock {
  ms: number;
  /** CPU time (user + system, every thread) this process used during the gap. */
  cpuMs: number;
  phase: "before the first item" | "grading and persisting items" | "after the last item";
}

export interface RunResult {
  items: number;
  graders: number;
  grades: number;
  /** Process spawn -> every module loaded. */
  readyMs: number;
  /** RSS once every module is loaded (Node + tsx + core + evals), before any work. */
  readyRssBytes: number;
  /** Longest stretch the event loop was blocked during `executeEvalRun` (timers, I/O, SSE could not run). */
  maxEventLoopBlockMs: number;
  /** The longest gaps over 50 ms (at most 5, longest first). */
  eventLoopBlocks: EventLoopBlock[];
  /** Process spawn -> first grade returned. */
  firstGradeMs: number;
  /** `executeEvalRun` alone: read the split, grade, persist every sample, compute and store aggregates. */
  executeMs: number;
  /** Open the workspace, load the completion cache, create the run, execute it, close. */
  runTotalMs: number;
  /** Process spawn -> workspace closed after the run. */
  wallMs: number;
  /** CPU time (user + system, every thread of the process) from start to the workspace closed, and to modules loaded. */
  cpuMs: number;
  readyCpuMs: number;
  peakRssBytes: number;
  counts: { total: number; passed: number; failed: number; errored: number };
  storedSamples: number;
  providerCalls: number;
  primary: { score: number | null; low: number | null; high: number | null };
}

async function setup(home: string, count: number): Promise<void> {
  const cases = testCases(count, 11);
  const text = `${cases.map((c) => chatLine(c)).join("\n")}\n`;
  const ws = await openWorkspace(home);
  try {
    let started = performance.now();
    const split = await setTestSplit(ws, { project: PROJECT, text, fileName: "test.jsonl" });
    if (split.status === "invalid")
      throw new Error(`the bench test split does not validate: ${JSON.stringify(split.report.issues.slice(0, 3))}`);
    await saveGraderSet(ws, PROJECT, { graders: PROMPTFOO_EQUIVALENT_GRADERS, primaryMetric: "rouge_1" });
    const splitImportMs = performance.now() - started;

    // The given outputs, stored as the completion cache would hold them (keyed by the exact request body).
    started = performance.now();
    const outputs = new Map(cases.map((c) => [c.prompt, c.output]));
    const items = await testItems(ws, split.test.id);
    if (items.length !== count) throw new Error(`expected ${count} test items, the split has ${items.length}`);
    const entries: Record<string, Completion> = {};
    for (const item of items) {
      const prompt = item.input.messages.findLast((m) => m.role === "user")?.content;
      const output = typeof prompt === "string" ? outputs.get(prompt) : undefined;
      if (output === undefined) throw new Error(`no output for item ${item.id}`);
      const key = completionCacheKey(buildRequest(MODEL, SAMPLING, item) as unknown as Record<string, unknown>);
      const completionTokens = Math.ceil(output.length / 4);
      entries[key] = {
        output_text: output,
        finish_reason: "stop",
        usage: { prompt_tokens: 60, completion_tokens: completionTokens, total_tokens: 60 + completionTokens, cached_tokens: 0 },
      };
    }
    writeFileSync(join(home, CACHE_FILE), JSON.stringify(entries));
    const result: SetupResult = {
      items: items.length,
      unequalShare: unequalShare(cases),
      splitImportMs,
      cacheBuildMs: performance.now() - started,
      peakRssBytes: peakRss(),
    };
    reportResult(result);
  } finally {
    await closeWorkspace(ws);
  }
}

async function run(home: string): Promise<void> {
  const started = performance.now();
  let providerCalls = 0;
  // The provider's transport throws: a cache miss would be an errored sample and a counted call.
  const providers = new Providers({
    config: { providers: {} },
    localFetch: () => {
      providerCalls++;
      throw new Error("benchmark: no model calls allowed, every completion must come from the cache");
    },
  });
  const ws = await openWorkspace(home);
  const events = new EventLog(ws.db);
  let firstGradeAt: number | undefined;
  try {
    const cache = new MemoryCompletionCache();
    for (const [key, completion] of Object.entries(JSON.parse(readFileSync(join(home, CACHE_FILE), "utf8")) as Record<string, Completion>))
      cache.set(key, completion);
    const project = await getProjectByName(ws.db, PROJECT);
    const setupInfo = await evaluationSetup(ws, project.id);
    const graders: RunnerGrader[] = setupInfo.graders.map((grader) => ({
      name: grader.name,
      grade: async (sample, item) => {
        const grade = await grader.grade(sample, item);
        firstGradeAt ??= sinceSpawn();
        return grade;
      },
    }));
    const created = await insertEvalRun(ws.db, {
      projectId: project.id,
      experimentId: null,
      model: MODEL,
      provider: "local",
      testSplitVersionId: setupInfo.testSplitVersionId,
      graderSetId: setupInfo.graderSetId,
      samplingParams: SAMPLING,
      total: 0,
    });

    // A 5 ms interval timer: the longest gap between its ticks is the longest the event loop was blocked. On a loaded
    // machine a gap can also be the OS running other processes: each long gap records the CPU time this process used
    // during it (a blocked loop burns CPU; a starved one does not) and the phase of the run it fell in.
    const BLOCK_MS = 50;
    let lastTick = performance.now();
    let lastCpu = process.cpuUsage();
    let maxGap = 0;
    let phase: EventLoopBlock["phase"] = "before the first item";
    const blocks: EventLoopBlock[] = [];
    const ticker = setInterval(() => {
      const now = performance.now();
      const gap = now - lastTick;
      maxGap = Math.max(maxGap, gap);
      if (gap > BLOCK_MS) {
        const cpu = process.cpuUsage(lastCpu);
        blocks.push({ ms: gap, cpuMs: (cpu.user + cpu.system) / 1000, phase });
      }
      lastTick = now;
      lastCpu = process.cpuUsage();
    }, 5);
    const executeStarted = performance.now();
    const done = await executeEvalRun(ws, created.id, {
      client: providers.client("local"),
      graders,
      primaryMetric: setupInfo.primaryMetric,
      cache,
      onProgress: (progress) => {
        if (progress.done > 0) phase = progress.done < progress.total ? "grading and persisting items" : "after the last item";
        events.publish({ type: "eval", runId: created.id, progress });
      },
    });
    const executeMs = performance.now() - executeStarted;
    await events.close();
    await new Promise((resolve) => setTimeout(resolve, 10)); // let the ticker see the end of the last block
    clearInterval(ticker);

    const stored = await ws.db
      .selectFrom("eval_samples")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("run_id", "=", created.id)
      .executeTakeFirstOrThrow();
    if (done.status !== "completed") throw new Error(`eval run ended ${done.status}: ${done.error}`);
    if (done.aggregates === null) throw new Error("the completed run has no aggregates");
    await closeWorkspace(ws);
    const result: RunResult = {
      items: done.resultCounts.total,
      graders: graders.length,
      grades: done.resultCounts.total * graders.length,
      readyMs,
      readyRssBytes,
      maxEventLoopBlockMs: maxGap,
      eventLoopBlocks: blocks.sort((a, b) => b.ms - a.ms).slice(0, 5),
      firstGradeMs: firstGradeAt ?? Number.NaN,
      executeMs,
      runTotalMs: performance.now() - started,
      wallMs: sinceSpawn(),
      cpuMs: cpuMs(),
      readyCpuMs,
      peakRssBytes: peakRss(),
      counts: done.resultCounts,
      storedSamples: Number(stored.n),
      providerCalls,
      primary: { score: done.primary.score, low: done.primary.interval?.low ?? null, high: done.primary.interval?.high ?? null },
    };
    reportResult(result);
  } catch (error) {
    await events.close().catch(() => {});
    await closeWorkspace(ws).catch(() => {});
    throw error;
  }
}

const [mode, home, count] = process.argv.slice(2);
if (!home) throw new Error("usage: graders-e2e.ts setup|run HOME [ITEMS]");
if (mode === "setup") await setup(home, Number(count ?? 10_000));
else if (mode === "run") await run(home);
else throw new Error(`unknown mode ${mode}`);
