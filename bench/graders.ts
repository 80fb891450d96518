// Grading benchmarks (issue 4 "Done when"; ANCHORS.md "Grading: promptfoo").
//   a) pure grading throughput: 100,000 cached samples per grader (string_check eq, fuzzy_match, rouge_l, bleu)
//   b) promptfoo's end-to-end work: 10,000 items x 4 deterministic graders through core's executeEvalRun on a real
//      SQLite workspace, outputs from the completion cache, every sample persisted, aggregates computed
//   c) the runner's throughput against a loopback server with 200 ms latency at concurrency 32 (graders-runner.ts)
// Each part runs in its own process. Run: pnpm exec tsx bench/graders.ts [items] [samples]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runChild } from "./lib/child.ts";
import type { RunResult, SetupResult } from "./lib/graders-e2e.ts";
import type { ThroughputResult } from "./lib/graders-throughput.ts";
import { fixed, GIB, int, MIB, median } from "./lib/measure.ts";

const ITEMS = Number(process.argv[2] ?? 10_000);
const SAMPLES = Number(process.argv[3] ?? 100_000);
const RUNS = 3;
/** promptfoo 0.121.20 on this kind of machine (ANCHORS.md). */
const PROMPTFOO = { gradesPerSecond: 150, peakRssBytes: 1.18 * GIB, startupSeconds: [7, 9] };
const TARGET = { speedup: 100, memoryShare: 0.2 };

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

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

// b) end to end through core, persisted
const home = mkdtempSync(join(tmpdir(), "tunelab-bench-graders-"));
try {
  const { result: setup } = await runChild<SetupResult>(here("lib/graders-e2e.ts"), ["setup", home, String(ITEMS)]);
  if (!setup) throw new Error("graders-e2e.ts setup printed no result");
  const runs: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { result } = await runChild<RunResult>(here("lib/graders-e2e.ts"), ["run", home]);
    if (!result) throw new Error("graders-e2e.ts run printed no result");
    if (result.providerCalls !== 0) throw new Error(`the eval run called the provider ${result.providerCalls} times`);
    if (result.storedSamples !== setup.items || result.counts.total !== setup.items || result.counts.errored !== 0) {
      throw new Error(`unexpected run: ${JSON.stringify({ stored: result.storedSamples, counts: result.counts })}`);
    }
    runs.push(result);
  }
  const m = (pick: (r: RunResult) => number) => median(runs.map(pick));
  const grades = runs[0]?.grades ?? 0;
  const executeS = m((r) => r.executeMs) / 1000;
  const rate = grades / executeS;
  const rateWall = grades / (m((r) => r.wallMs) / 1000);
  const rss = m((r) => r.peakRssBytes);
  const first = runs[0];
  console.log(
    `graders: e2e setup: test split of ${int(setup.items)} items (${fixed(setup.unequalShare * 100, 0)}% of outputs not exactly equal) ` +
      `imported + grader set saved in ${fixed(setup.splitImportMs / 1000, 2)} s (once, not counted below); ` +
      `completion cache of ${int(setup.items)} outputs built in ${fixed(setup.cacheBuildMs / 1000, 2)} s`,
  );
  console.log(
    `graders: e2e ${int(setup.items)} items x ${first?.graders} graders = ${int(grades)} grades, executeEvalRun ` +
      `(read split, cache hits, grade, persist every sample, aggregates): ${fixed(executeS, 2)} s median of ${RUNS} ` +
      `(${runs.map((r) => fixed(r.executeMs / 1000, 2)).join(" / ")}); 0 provider calls, ${int(first?.storedSamples ?? 0)} samples stored`,
  );
  console.log(
    `graders: e2e ${int(setup.items)} items x ${first?.graders} graders: ${int(rate)} grades/s ` +
      `(${fixed(rate / PROMPTFOO.gradesPerSecond, 0)}x promptfoo's ${PROMPTFOO.gradesPerSecond}; target ${TARGET.speedup}x), ` +
      `peak RSS ${int(rss / MIB)} MiB (${fixed(rss / PROMPTFOO.peakRssBytes, 2)}x promptfoo's 1.18 GiB; target <= ${TARGET.memoryShare}x)`,
  );
  console.log(
    `graders: e2e whole process (spawn -> workspace closed) ${fixed(m((r) => r.wallMs) / 1000, 2)} s = ${int(rateWall)} grades/s ` +
      `(${fixed(rateWall / PROMPTFOO.gradesPerSecond, 0)}x); start-up: modules loaded ${int(m((r) => r.readyMs))} ms, ` +
      `first grade ${int(m((r) => r.firstGradeMs))} ms after spawn (promptfoo: ${PROMPTFOO.startupSeconds.join("-")} s)`,
  );
  console.log(
    `graders: e2e memory: RSS ${int(m((r) => r.readyRssBytes) / MIB)} MiB once modules are loaded (Node + tsx + core + evals), ` +
      `peak ${int(rss / MIB)} MiB; event loop blocked up to ${int(m((r) => r.maxEventLoopBlockMs))} ms at a stretch during executeEvalRun`,
  );
  console.log(
    `graders: e2e result: ${first?.counts.passed} passed / ${first?.counts.failed} failed / ${first?.counts.errored} errored items, ` +
      `primary rouge_1 mean ${fixed(first?.primary.score ?? Number.NaN, 4)} [${fixed(first?.primary.low ?? Number.NaN, 4)}, ${fixed(first?.primary.high ?? Number.NaN, 4)}]`,
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}

// c) runner throughput against a slow loopback server
{
  const { lines } = await runChild(here("graders-runner.ts"), []);
  for (const line of lines) console.log(`graders: ${line}`);
}
