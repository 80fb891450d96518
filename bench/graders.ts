// Grading benchmarks (issue 4 "Done when", issue 16; ANCHORS.md "Grading: promptfoo").
//   a) pure grading throughput: 100,000 cached samples per grader (string_check eq, fuzzy_match, rouge_l, bleu)
//   b) promptfoo's end-to-end work, both sides in this run on this machine: 10,000 items x 4 deterministic graders,
//      outputs given, every result persisted.
//      - tunelab: a child process doing what `tunelab eval` does (bench/lib/graders-e2e.ts: core's runtime over a real
//        SQLite workspace, no completion cache, evalRuns.create + run, every sample persisted, aggregates, close), the
//        `local` provider answering each request in-process with the given output (as promptfoo's provider does)
//      - promptfoo 0.121.20, installed by this bench into a scratch folder outside the repository (skipped with the
//        reason if it cannot be), `promptfoo eval` on the same cases with equals, rouge-n, levenshtein and bleu
//        (bench/lib/graders-promptfoo.ts)
//      Each side is measured as a whole process the same way (spawn -> exit with results written: wall time, peak RSS
//      by GNU time), and the ratios are computed from these figures only.
//   c) the runner's throughput against a loopback server with 200 ms latency at concurrency 32 (graders-runner.ts)
//      tunelab's child runs twice per round: through tsx (TypeScript transpiled while loading) and compiled to JavaScript
//      with esbuild as the CLI is (bench/lib/graders-compiled.ts), so module loading's share shows.
// Run: pnpm bench graders [--quick] [--items N] [--samples N] [--runs N] [--peer-runs N] [--no-peer] [--no-compiled]
//   --quick: 1,000 items, 10,000 samples, one run of each side (a check that everything works, not a figure)
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RESULT_PREFIX, runChild, SPAWNED_AT_ENV } from "./lib/child.ts";
import { buildCompiledChild } from "./lib/graders-compiled.ts";
import type { RunResult, SetupResult } from "./lib/graders-e2e.ts";
import {
  ensurePromptfoo,
  PROMPTFOO_ASSERTIONS,
  PROMPTFOO_VERSION,
  type PromptfooRun,
  runPromptfoo,
  writePromptfooWork,
} from "./lib/graders-promptfoo.ts";
import type { ThroughputResult } from "./lib/graders-throughput.ts";
import { fixed, int, MIB, median } from "./lib/measure.ts";
import { runWholeProcess } from "./lib/whole-process.ts";

const args = process.argv.slice(2);
function option(name: string): string | undefined {
  const at = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (at < 0) return undefined;
  const arg = args[at] ?? "";
  return arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[at + 1];
}
function count(name: string, fallback: number): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a positive integer, got "${raw}"`);
  return value;
}
const QUICK = args.includes("--quick");
const ITEMS = count("items", QUICK ? 1_000 : 10_000);
const SAMPLES = count("samples", QUICK ? 10_000 : 100_000);
const RUNS = count("runs", QUICK ? 1 : 3);
/** promptfoo takes about a minute per run here: one run unless asked for more. */
const PEER_RUNS = count("peer-runs", 1);
const PEER = !args.includes("--no-peer");
/** Also run the tunelab child compiled to JavaScript as the CLI is (bench/lib/graders-compiled.ts). */
const COMPILED = !args.includes("--no-compiled");
const TARGET = { speedup: 100, memoryShare: 0.2, eventLoopBlockMs: 50 };
/** Our peak RSS as a share of promptfoo's, to 4 decimals (a share just over the target, e.g. 0.2004, prints 0.200 at 3), and whether it meets the target. */
const rssShare = (ours: number | null, peer: number | null): string => {
  if (ours === null || peer === null) return "unknown";
  const share = ours / peer;
  return `${fixed(share, 4)}x promptfoo's (${share <= TARGET.memoryShare ? "met" : "not met"})`;
};
const loadavg = () => readFileSync("/proc/loadavg", "utf8").trim().split(" ").slice(0, 3).join(" ");

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

// a) pure grading throughput
{
  const { result } = await runChild<ThroughputResult>(here("lib/graders-throughput.ts"), [String(SAMPLES), "3"]);
  if (!result) throw new Error("graders-throughput.ts printed no result");
  console.log(
    `graders: pure grading, ${int(result.samples)} cached samples (${fixed(result.unequalShare * 100, 0)}% not exactly equal), ` +
      "runGrader() per sample, median of 3 after warm-up:",
  );
  for (const g of result.graders) {
    console.log(
      `graders:   ${g.name.padEnd(28)} ${int(g.medianGradesPerSecond).padStart(10)} grades/s ` +
        `(runs ${g.gradesPerSecond.map((r) => int(r)).join(" / ")}; pass rate ${fixed(g.passRate * 100)}%, errored ${g.errored})`,
    );
  }
}

// b) promptfoo's end-to-end work, tunelab and promptfoo in this run, each as a whole process
interface OurRun {
  result: RunResult;
  /** Spawn -> exit, measured by this process (the same way as promptfoo's). */
  wallMs: number;
  peakRssBytes: number | null;
}

async function runOurs(home: string, compiledEntry?: string): Promise<OurRun> {
  const argv = compiledEntry ? [compiledEntry, "run", home] : ["--import", "tsx", here("lib/graders-e2e.ts"), "run", home];
  const run = await runWholeProcess(process.execPath, argv, {
    cwd: ROOT,
    env: { ...process.env, [SPAWNED_AT_ENV]: String(Date.now()) },
  });
  if (run.code !== 0) throw new Error(`graders-e2e.ts run exited ${run.code}: ${run.stderr.trim().split("\n").slice(-5).join(" | ")}`);
  const line = run.stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (!line) throw new Error("graders-e2e.ts run printed no result");
  return { result: JSON.parse(line.slice(RESULT_PREFIX.length)) as RunResult, wallMs: run.wallMs, peakRssBytes: run.peakRssBytes };
}

const mib = (bytes: number | null) => (bytes === null ? "unknown (no GNU time)" : `${int(bytes / MIB)} MiB`);
{
  console.log(`graders: e2e load average at the start: ${loadavg()} (1/5/15 min; 2 cores shared with other engineers' tests)`);
  const home = mkdtempSync(join(tmpdir(), "tunelab-bench-graders-"));
  const peerWork = mkdtempSync(join(tmpdir(), "tunelab-bench-promptfoo-work-"));
  const compiled = COMPILED ? await buildCompiledChild() : undefined;
  try {
    const { result: setup } = await runChild<SetupResult>(here("lib/graders-e2e.ts"), ["setup", home, String(ITEMS)]);
    if (!setup) throw new Error("graders-e2e.ts setup printed no result");
    console.log(
      `graders: e2e setup: test split of ${int(setup.items)} items (${fixed(setup.unequalShare * 100, 0)}% of outputs not exactly equal) ` +
        `imported + grader set saved in ${fixed(setup.splitImportMs / 1000, 2)} s (once, not counted below); ` +
        `${int(setup.items)} given outputs written in ${fixed(setup.cacheBuildMs / 1000, 2)} s`,
    );
    let install: ReturnType<typeof ensurePromptfoo> = { ok: false, reason: "--no-peer given" };
    if (PEER) {
      install = ensurePromptfoo();
      if (install.ok)
        console.log(
          `graders: promptfoo ${PROMPTFOO_VERSION} ${install.installMs === null ? "already installed" : `installed in ${fixed(install.installMs / 1000, 0)} s`} in ${install.dir}`,
        );
    }
    const work = install.ok ? writePromptfooWork(peerWork, setup.items) : undefined;
    if (!install.ok) console.log(`graders: promptfoo side SKIPPED: ${install.reason}`);

    // Interleaved (ours, promptfoo, ours, ...) so both sides run under the same machine load.
    if (compiled) console.log(`graders: e2e tunelab child compiled with esbuild in ${fixed(compiled.buildMs / 1000, 2)} s (not counted)`);
    const ours: OurRun[] = [];
    const oursCompiled: OurRun[] = [];
    const peer: PromptfooRun[] = [];
    let peerError: string | undefined;
    for (let i = 0; i < Math.max(RUNS, PEER_RUNS); i++) {
      if (i < RUNS) {
        for (const entry of compiled ? [undefined, compiled.entry] : [undefined]) {
          const run = await runOurs(home, entry);
          const r = run.result;
          if (r.providerCalls !== setup.items)
            throw new Error(`the eval run called the provider ${r.providerCalls} times, not once per item`);
          if (r.storedSamples !== setup.items || r.counts.total !== setup.items || r.counts.errored !== 0)
            throw new Error(`unexpected run: ${JSON.stringify({ stored: r.storedSamples, counts: r.counts })}`);
          (entry ? oursCompiled : ours).push(run);
        }
      }
      if (install.ok && work && i < PEER_RUNS && peerError === undefined) {
        try {
          peer.push(await runPromptfoo(install, work));
        } catch (error) {
          peerError = (error as Error).message;
          console.log(`graders: promptfoo run FAILED, its side is left out: ${peerError}`);
        }
      }
    }

    const m = (pick: (r: OurRun) => number) => median(ours.map(pick));
    const first = ours[0]?.result;
    const grades = first?.grades ?? 0;
    const executeS = m((r) => r.result.executeMs) / 1000;
    const wallS = m((r) => r.wallMs) / 1000;
    const oursRss = ours.every((r) => r.peakRssBytes !== null) ? m((r) => r.peakRssBytes ?? 0) : null;
    const maxBlock = Math.max(...ours.map((r) => r.result.maxEventLoopBlockMs));
    console.log(
      `graders: e2e tunelab ${int(setup.items)} items x ${first?.graders} graders = ${int(grades)} grades, evalRuns.run in process ` +
        `(lease, read split, a completion per item, grade, persist every sample, aggregates): ${fixed(executeS, 2)} s median of ${ours.length} ` +
        `(${ours.map((r) => fixed(r.result.executeMs / 1000, 2)).join(" / ")}) = ${int(grades / executeS)} grades/s; ` +
        `${int(first?.providerCalls ?? 0)} provider calls (given outputs, in-process), ${int(first?.storedSamples ?? 0)} samples stored`,
    );
    console.log(
      `graders: e2e tunelab whole process (spawn -> results persisted, workspace closed, exit): ${fixed(wallS, 2)} s median ` +
        `(${ours.map((r) => fixed(r.wallMs / 1000, 2)).join(" / ")}) = ${int(grades / wallS)} grades/s, peak RSS ${mib(oursRss)}; ` +
        `start-up: modules loaded ${int(m((r) => r.result.readyMs))} ms, first grade ${int(m((r) => r.result.firstGradeMs))} ms after spawn, ` +
        `RSS ${int(m((r) => r.result.readyRssBytes) / MIB)} MiB once loaded; CPU (every thread) ${fixed(m((r) => r.result.cpuMs) / 1000, 2)} s, ` +
        `${fixed(m((r) => r.result.readyCpuMs) / 1000, 2)} s of it loading modules`,
    );
    // Module loading is measured apart: the child runs TypeScript through tsx (transpiled at load time); a compiled
    // build loads the same modules faster, so this shows what the rest of the process reaches on its own.
    const loadS = m((r) => r.result.readyMs) / 1000;
    console.log(
      `graders: e2e tunelab whole process without module loading (wall ${fixed(wallS, 2)} s - ${fixed(loadS, 2)} s loading through tsx): ` +
        `${fixed(wallS - loadS, 2)} s = ${int(grades / (wallS - loadS))} grades/s (a projection for a build that loads instantly, not a measurement)`,
    );
    console.log(
      `graders: e2e tunelab event loop: longest block during evalRuns.run ${int(maxBlock)} ms (max of ${ours.length} runs: ` +
        `${ours.map((r) => int(r.result.maxEventLoopBlockMs)).join(" / ")} ms; target <= ${TARGET.eventLoopBlockMs} ms)`,
    );
    const blocks = ours.flatMap((r) => r.result.eventLoopBlocks).sort((a, b) => b.ms - a.ms);
    if (blocks.length > 0)
      console.log(
        `graders: e2e tunelab event loop: longest gaps over 50 ms, with the CPU this process (every thread) and its main thread ` +
          `used during each (a loop blocked by its own work burns about the gap on the main thread, one starved by the machine's load does not): ${blocks
            .slice(0, 5)
            .map(
              (b) =>
                `${int(b.ms)} ms (${int(b.cpuMs)} ms CPU, ${b.mainCpuMs === null ? "?" : int(b.mainCpuMs)} ms of it the main thread's, ${b.phase})`,
            )
            .join("; ")}`,
      );
    const cm = (pick: (r: OurRun) => number) => median(oursCompiled.map(pick));
    const compiledWallS = cm((r) => r.wallMs) / 1000;
    const compiledRss =
      oursCompiled.length > 0 && oursCompiled.every((r) => r.peakRssBytes !== null) ? cm((r) => r.peakRssBytes ?? 0) : null;
    if (oursCompiled.length > 0)
      console.log(
        `graders: e2e tunelab COMPILED child (esbuild, as the CLI), whole process: ${fixed(compiledWallS, 2)} s median ` +
          `(${oursCompiled.map((r) => fixed(r.wallMs / 1000, 2)).join(" / ")}) = ${int(grades / compiledWallS)} grades/s, peak RSS ${mib(compiledRss)}; ` +
          `modules loaded ${int(cm((r) => r.result.readyMs))} ms (${int(cm((r) => r.result.readyCpuMs))} ms CPU), RSS ${int(cm((r) => r.result.readyRssBytes) / MIB)} MiB once loaded; ` +
          `CPU (every thread) ${fixed(cm((r) => r.result.cpuMs) / 1000, 2)} s, main thread ${fixed(cm((r) => r.result.mainCpuMs ?? Number.NaN) / 1000, 2)} s; evalRuns.run ${fixed(cm((r) => r.result.executeMs) / 1000, 2)} s; ` +
          `peak RSS seen during evalRuns.run ${int(cm((r) => r.result.peakRssDuringRun.bytes) / MIB)} MiB (${oursCompiled
            .map(
              (r) =>
                `${int(r.result.peakRssDuringRun.atMs)} ms in, ${r.result.peakRssDuringRun.phase}, main thread's heap ${int(r.result.peakRssDuringRun.mainHeapBytes / MIB)} MiB`,
            )
            .join("; ")}); ` +
          `event loop longest block ${int(Math.max(...oursCompiled.map((r) => r.result.maxEventLoopBlockMs)))} ms ` +
          `(${oursCompiled.map((r) => int(r.result.maxEventLoopBlockMs)).join(" / ")}; longest gaps: ${oursCompiled
            .flatMap((r) => r.result.eventLoopBlocks)
            .sort((a, b) => b.ms - a.ms)
            .slice(0, 3)
            .map((b) => `${int(b.ms)} ms with ${int(b.cpuMs)} ms CPU, ${b.mainCpuMs === null ? "?" : int(b.mainCpuMs)} ms main thread`)
            .join(", ")})`,
      );
    console.log(
      `graders: e2e tunelab result: ${first?.counts.passed} passed / ${first?.counts.failed} failed / ${first?.counts.errored} errored items, ` +
        `primary rouge_1 mean ${fixed(first?.primary.score ?? Number.NaN, 4)} [${fixed(first?.primary.low ?? Number.NaN, 4)}, ${fixed(first?.primary.high ?? Number.NaN, 4)}]`,
    );
    if (peer.length > 0 && work) {
      const peerWallS = median(peer.map((r) => r.wallMs)) / 1000;
      const peerGrades = (peer[0]?.storedResults ?? 0) * PROMPTFOO_ASSERTIONS;
      const peerRate = peerGrades / peerWallS;
      const peerRss = peer.every((r) => r.peakRssBytes !== null) ? median(peer.map((r) => r.peakRssBytes ?? 0)) : null;
      console.log(
        `graders: e2e promptfoo ${PROMPTFOO_VERSION} whole process (spawn -> results in its database, exit), ${int(work.items)} cases x ` +
          `${PROMPTFOO_ASSERTIONS} assertions = ${int(peerGrades)} grades: ${fixed(peerWallS, 2)} s ${peer.length > 1 ? `median of ${peer.length} ` : ""}` +
          `(${peer.map((r) => fixed(r.wallMs / 1000, 2)).join(" / ")}) = ${int(peerRate)} grades/s, peak RSS ${mib(peerRss)}; ` +
          `${int(peer[0]?.storedResults ?? 0)} results stored, ${int(peer[0]?.passedResults ?? 0)} passing every assertion`,
      );
      const oursRate = grades / wallS;
      console.log(
        `graders: e2e RATIO (same run, same machine): whole process ${fixed(oursRate / peerRate, 1)}x promptfoo's grades/s ` +
          `(target >= ${TARGET.speedup}x); evalRuns.run alone ${fixed(grades / executeS / peerRate, 1)}x promptfoo's whole process; ` +
          `peak RSS ${rssShare(oursRss, peerRss)} (target <= ${TARGET.memoryShare}x); ` +
          `without our module loading ${fixed(grades / (wallS - m((r) => r.result.readyMs) / 1000) / peerRate, 1)}x (projection, promptfoo's own loading kept)`,
      );
      if (oursCompiled.length > 0)
        console.log(
          `graders: e2e RATIO, compiled child (same run): whole process ${fixed(grades / compiledWallS / peerRate, 1)}x promptfoo's grades/s ` +
            `(target >= ${TARGET.speedup}x); peak RSS ${rssShare(compiledRss, peerRss)} ` +
            `(target <= ${TARGET.memoryShare}x)`,
        );
    } else console.log("graders: e2e RATIO: none (no promptfoo figure from this run)");
    const endLoad = loadavg();
    console.log(`graders: e2e load average at the end: ${endLoad}`);
    // The same figures as one table: every ratio divides by promptfoo's figure from this run only.
    const peerRun =
      peer.length > 0
        ? {
            wallS: median(peer.map((r) => r.wallMs)) / 1000,
            rss: peer.every((r) => r.peakRssBytes !== null) ? median(peer.map((r) => r.peakRssBytes ?? 0)) : null,
          }
        : undefined;
    const peerGrades = (peer[0]?.storedResults ?? 0) * PROMPTFOO_ASSERTIONS;
    const rows: string[][] = [["side", "wall s", "grades/s", "x promptfoo", "peak RSS MiB", "x promptfoo RSS", "longest loop gap ms"]];
    const row = (side: string, wallS: number, rss: number | null, gap: string) => {
      const rate = grades / wallS;
      const peerRate = peerRun ? peerGrades / peerRun.wallS : undefined;
      rows.push([
        side,
        fixed(wallS, 2),
        int(rate),
        peerRate ? fixed(rate / peerRate, 1) : "-",
        rss === null ? "?" : int(rss / MIB),
        rss !== null && peerRun?.rss ? fixed(rss / peerRun.rss, 4) : "-",
        gap,
      ]);
    };
    row("tunelab (tsx)", wallS, oursRss, int(maxBlock));
    if (oursCompiled.length > 0)
      row(
        "tunelab (compiled, as the CLI)",
        compiledWallS,
        compiledRss,
        int(Math.max(...oursCompiled.map((r) => r.result.maxEventLoopBlockMs))),
      );
    if (peerRun)
      rows.push([
        `promptfoo ${PROMPTFOO_VERSION}`,
        fixed(peerRun.wallS, 2),
        int(peerGrades / peerRun.wallS),
        "1.0",
        peerRun.rss === null ? "?" : int(peerRun.rss / MIB),
        "1.00",
        "-",
      ]);
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
    console.log(
      `graders: e2e table (medians; targets: >= ${TARGET.speedup}x grades/s, <= ${TARGET.memoryShare}x RSS, gaps <= ${TARGET.eventLoopBlockMs} ms; load average ${endLoad} at the end):`,
    );
    for (const r of rows)
      console.log(`graders:   ${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ")}`);
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(peerWork, { recursive: true, force: true });
    if (compiled) rmSync(dirname(compiled.entry), { recursive: true, force: true });
  }
}

// c) runner throughput against a slow loopback server
{
  const { lines } = await runChild(here("graders-runner.ts"), []);
  for (const line of lines) console.log(`graders: ${line}`);
}
