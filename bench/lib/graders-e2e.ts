// Part b of bench/graders.ts: promptfoo's end-to-end work (ANCHORS.md, "Grading: promptfoo") done by tunelab:
// 10,000 test items x 4 deterministic graders, outputs given, every sample and grade persisted, then the run's
// aggregates computed. The child does what `tunelab eval --model M` does (apps/cli/src/commands/eval.ts): core's
// runtime over the workspace (`openRuntime`, no completion cache, as the CLI), `evalRuns.create` then `evalRuns.run`
// (lease, executeEvalRun, grading pool, batched inserts, aggregates), the run's progress events written to the
// workspace's event log, then the runtime and workspace closed. The only difference is the provider behind `local`:
// instead of the embedded engine's model, an in-process engine answers each chat completion with the case's given
// output (as promptfoo's side uses a provider that returns the case's given output), reached as `tunelab eval` reaches
// the engine: the `local` provider's client (core's providers/local-client.ts) hands each chat completion to the
// engine's in-process `chatCompletion` (LocalEngine), the body as an object, without HTTP or the `openai` SDK's
// request machinery.
//
//   setup HOME ITEMS  imports the test split and grader set into HOME and writes HOME/outputs.json (prompt -> output)
//   run HOME          one eval run of the whole split in a fresh process; prints its figures
//
// Run by bench/graders.ts; each part in its own process so start-up and peak memory are measured per run.
import { openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { closeWorkspace, openRuntime, openWorkspace, type RuntimeOptions, saveGraderSet, setTestSplit } from "@tunelab/core";
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
const OUTPUTS_FILE = "outputs.json";

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
  /**
   * CPU time of the main thread alone during the gap (Linux: /proc/self/task/PID/stat, 10 ms ticks; null elsewhere):
   * a loop blocked by its own work burns about the gap in CPU here, a main thread the OS did not schedule does not.
   */
  mainCpuMs: number | null;
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
  /** The last item's progress event -> the run completed (aggregates computed and stored): what finalizing adds. */
  afterLastItemMs: number | null;
  /** Open the workspace, load the completion cache, create the run, execute it, close. */
  runTotalMs: number;
  /** Process spawn -> workspace closed after the run. */
  wallMs: number;
  /** CPU time (user + system, every thread of the process) from start to the workspace closed, and to modules loaded. */
  cpuMs: number;
  readyCpuMs: number;
  /** CPU time of the main thread alone from start to the workspace closed (Linux, 10 ms ticks; null elsewhere). */
  mainCpuMs: number | null;
  peakRssBytes: number;
  /** The largest RSS the ticker saw (every 50 ms) during `evalRuns.run`, with the phase and time (ms into the run) it was seen. */
  peakRssDuringRun: {
    bytes: number;
    phase: EventLoopBlock["phase"];
    atMs: number;
    /** The main thread's V8 heap (committed) and memory outside it (Buffers, native objects) at that moment. */
    mainHeapBytes: number;
    externalBytes: number;
  };
  counts: { total: number; passed: number; failed: number; errored: number };
  storedSamples: number;
  providerCalls: number;
  primary: { score: number | null; low: number | null; high: number | null };
}

/** The main thread's /proc stat file, opened once (the ticker reads it every 5 ms: a read at offset 0, no open). */
let mainStat: { fd: number; buffer: Buffer } | null | undefined;

/** CPU time of this process's main thread (its task id is the process id), ms, from /proc; null when unreadable. */
function mainThreadCpuMs(): number | null {
  if (mainStat === undefined) {
    try {
      mainStat = { fd: openSync(`/proc/self/task/${process.pid}/stat`, "r"), buffer: Buffer.alloc(1024) };
    } catch {
      mainStat = null;
    }
  }
  if (mainStat === null) return null;
  try {
    const stat = mainStat.buffer.toString("latin1", 0, readSync(mainStat.fd, mainStat.buffer, 0, mainStat.buffer.length, 0));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from the 3rd (state) on
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime in clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
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
    // The given outputs, by prompt (the case's last user message), as promptfoo's side has them in its cases' vars.
    started = performance.now();
    writeFileSync(join(home, OUTPUTS_FILE), JSON.stringify(Object.fromEntries(cases.map((c) => [c.prompt, c.output]))));
    const result: SetupResult = {
      items: count,
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

/** The `local` provider of this child: answers every chat completion with the given output of its prompt, in-process. */
function givenOutputs(outputs: Map<string, string>, onCall: () => void): NonNullable<RuntimeOptions["local"]> {
  const none = async () => undefined;
  const answer = (body: { model: string; messages: { role: string; content: unknown }[] }) => {
    onCall();
    const prompt = body.messages.findLast((m) => m.role === "user")?.content;
    const output = typeof prompt === "string" ? outputs.get(prompt) : undefined;
    if (output === undefined)
      return { status: 400, body: { error: { message: "no given output for this prompt", type: "invalid_request_error" } } };
    const completionTokens = Math.ceil(output.length / 4);
    return {
      status: 200,
      body: {
        id: "chatcmpl-given",
        object: "chat.completion",
        created: 0,
        model: body.model,
        choices: [{ index: 0, message: { role: "assistant", content: output }, finish_reason: "stop", logprobs: null }],
        usage: { prompt_tokens: 60, completion_tokens: completionTokens, total_tokens: 60 + completionTokens },
      },
    };
  };
  type Body = Parameters<typeof answer>[0];
  const engine = {
    // what `tunelab eval` sends the embedded engine for each item (the `local` client's in-process chat completion)
    chatCompletion: async (body: object) => answer(body as Body),
    // any other request over the engine's REST surface
    fetch: async (request: Request) => {
      const { status, body } = answer((await request.json()) as Body);
      return Response.json(body, { status });
    },
    catalog: { registered: none, parentOf: none, exportFormats: async () => [] },
    // the model the eval names, so the runtime's check that the local engine has it passes as `tunelab eval` does
    baseModels: async () => [
      {
        id: MODEL,
        kind: "built-in" as const,
        architecture: "given-outputs",
        parameters: 0,
        dtype: "f32",
        contextLength: 4096,
        source: null,
        methods: [],
        lora: false,
      },
    ],
    tunedModelDir: none,
    registeredBaseDir: none,
    // tuned models from elsewhere: none here (the given outputs answer every model)
    adoptTunedModel: async () => {},
    onMissingTunedModel: () => {},
    onDeleteTunedModel: () => {},
    onCheckpoint: () => {},
  };
  return engine;
}

async function run(home: string): Promise<void> {
  const started = performance.now();
  let providerCalls = 0;
  const outputs = new Map(Object.entries(JSON.parse(readFileSync(join(home, OUTPUTS_FILE), "utf8")) as Record<string, string>));
  const ws = await openWorkspace(home);
  // as `tunelab eval` (withServices): the runtime over the workspace, the embedded engine as `local`, no cache
  const runtime = openRuntime({ ws, local: givenOutputs(outputs, () => providerCalls++) });
  let firstGradeAt: number | undefined;
  try {
    const created = await runtime.evalRuns.create({ project: PROJECT, model: MODEL, provider: "local" });

    // A 5 ms interval timer: the longest gap between its ticks is the longest the event loop was blocked. On a loaded
    // machine a gap can also be the OS running other processes: each long gap records the CPU time this process used
    // during it (a blocked loop burns CPU; a starved one does not) and the phase of the run it fell in.
    const BLOCK_MS = 50;
    const executeStarted = performance.now();
    let lastTick = performance.now();
    let lastCpu = process.cpuUsage();
    let lastMainCpu = mainThreadCpuMs();
    let maxGap = 0;
    let peakRssSeen: RunResult["peakRssDuringRun"] = {
      bytes: 0,
      phase: "before the first item",
      atMs: 0,
      mainHeapBytes: 0,
      externalBytes: 0,
    };
    let phase: EventLoopBlock["phase"] = "before the first item";
    const blocks: EventLoopBlock[] = [];
    // RSS is read every RSS_EVERY ticks (50 ms): reading it costs ~10 us of this thread's CPU (a read of /proc), ~40 ms
    // over a run at every tick, taken from the run measured; peaks last longer than 50 ms (the run's heaps grow and
    // shrink over hundreds of ms)
    const RSS_EVERY = 10;
    let ticks = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      const gap = now - lastTick;
      maxGap = Math.max(maxGap, gap);
      const rss = ticks++ % RSS_EVERY === 0 ? process.memoryUsage.rss() : 0;
      if (rss > peakRssSeen.bytes) {
        const usage = process.memoryUsage();
        peakRssSeen = { bytes: rss, phase, atMs: now - executeStarted, mainHeapBytes: usage.heapTotal, externalBytes: usage.external };
      }
      if (gap > BLOCK_MS) {
        const cpu = process.cpuUsage(lastCpu);
        const mainCpu = mainThreadCpuMs();
        blocks.push({
          ms: gap,
          cpuMs: (cpu.user + cpu.system) / 1000,
          mainCpuMs: mainCpu === null || lastMainCpu === null ? null : mainCpu - lastMainCpu,
          phase,
        });
      }
      lastTick = now;
      lastCpu = process.cpuUsage();
      lastMainCpu = mainThreadCpuMs();
    }, 5);
    // progress events (also written to the event log by the runtime, as in the CLI) mark the phases
    let lastItemAt: number | undefined;
    const off = runtime.evalRuns.subscribe((event) => {
      if (event.type !== "eval" || event.progress.done === 0) return;
      firstGradeAt ??= sinceSpawn();
      phase = event.progress.done < event.progress.total ? "grading and persisting items" : "after the last item";
      if (phase === "after the last item") lastItemAt ??= performance.now();
    });
    const done = await runtime.evalRuns.run(created.id);
    const executeMs = performance.now() - executeStarted;
    const afterLastItemMs = lastItemAt === undefined ? null : performance.now() - lastItemAt;
    off();
    await new Promise((resolve) => setTimeout(resolve, 10)); // let the ticker see the end of the last block
    clearInterval(ticker);

    const stored = await ws.db
      .selectFrom("eval_samples")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("run_id", "=", created.id)
      .executeTakeFirstOrThrow();
    if (done.status !== "completed") throw new Error(`eval run ended ${done.status}: ${done.error}`);
    if (done.aggregates === null) throw new Error("the completed run has no aggregates");
    await runtime.close();
    await closeWorkspace(ws);
    const graders = Object.keys((done.aggregates as { graders: Record<string, unknown> }).graders).length;
    const result: RunResult = {
      items: done.resultCounts.total,
      graders,
      grades: done.resultCounts.total * graders,
      readyMs,
      readyRssBytes,
      maxEventLoopBlockMs: maxGap,
      eventLoopBlocks: blocks.sort((a, b) => b.ms - a.ms).slice(0, 5),
      firstGradeMs: firstGradeAt ?? Number.NaN,
      executeMs,
      afterLastItemMs,
      runTotalMs: performance.now() - started,
      wallMs: sinceSpawn(),
      cpuMs: cpuMs(),
      readyCpuMs,
      mainCpuMs: mainThreadCpuMs(),
      peakRssBytes: peakRss(),
      peakRssDuringRun: peakRssSeen,
      counts: done.resultCounts,
      storedSamples: Number(stored.n),
      providerCalls,
      primary: { score: done.primary.score, low: done.primary.interval?.low ?? null, high: done.primary.interval?.high ?? null },
    };
    reportResult(result);
  } catch (error) {
    await runtime.close().catch(() => {});
    await closeWorkspace(ws).catch(() => {});
    throw error;
  }
}

const [mode, home, count] = process.argv.slice(2);
if (!home) throw new Error("usage: graders-e2e.ts setup|run HOME [ITEMS]");
if (mode === "setup") await setup(home, Number(count ?? 10_000));
else if (mode === "run") await run(home);
else throw new Error(`unknown mode ${mode}`);
