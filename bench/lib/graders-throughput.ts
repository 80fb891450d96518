// Part a of bench/graders.ts: pure grading throughput of one grader config over 100,000 cached samples
// (no runner, no database): `runGrader(config, sample, item)` in a loop, after a warm-up; median of 3 rounds.
// Run by bench/graders.ts in its own process: node --import tsx bench/lib/graders-throughput.ts [samples] [rounds]
import { type EvalItem, runGrader, type Sample, toEvalItem, toSample } from "../../packages/evals/src/index.ts";
import { reportResult } from "./child.ts";
import { testCases, unequalShare } from "./data.ts";
import { THROUGHPUT_GRADERS } from "./grader-configs.ts";
import { median } from "./measure.ts";

export interface ThroughputResult {
  samples: number;
  unequalShare: number;
  graders: Array<{ name: string; gradesPerSecond: number[]; medianGradesPerSecond: number; passRate: number; errored: number }>;
}

const SAMPLES = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);

const cases = testCases(SAMPLES, 7);
const items: EvalItem[] = cases.map((c, i) =>
  toEvalItem(
    {
      messages: [
        { role: "user", content: c.prompt },
        { role: "assistant", content: c.reference },
      ],
    },
    i,
  ),
);
const samples: Sample[] = cases.map((c) => toSample(c.output));

async function gradeAll(index: number, count: number): Promise<{ seconds: number; passed: number; errored: number }> {
  const config = THROUGHPUT_GRADERS[index];
  if (!config) throw new Error(`no grader ${index}`);
  let passed = 0;
  let errored = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const sample = samples[i];
    const item = items[i];
    if (!sample || !item) throw new Error(`no sample ${i}`);
    const grade = await runGrader(config, sample, item);
    if (grade.error) errored++;
    else if (grade.passed) passed++;
  }
  return { seconds: (performance.now() - started) / 1000, passed, errored };
}

const result: ThroughputResult = { samples: SAMPLES, unequalShare: unequalShare(cases), graders: [] };
for (const [index, config] of THROUGHPUT_GRADERS.entries()) {
  await gradeAll(index, Math.min(SAMPLES, 20_000)); // warm-up: JIT, caches
  const rates: number[] = [];
  let last = { passed: 0, errored: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const { seconds, passed, errored } = await gradeAll(index, SAMPLES);
    rates.push(SAMPLES / seconds);
    last = { passed, errored };
  }
  result.graders.push({
    name:
      config.type === "text_similarity"
        ? `text_similarity ${config.evaluation_metric}`
        : `${config.type} ${"operation" in config ? config.operation : ""}`.trim(),
    gradesPerSecond: rates,
    medianGradesPerSecond: median(rates),
    passRate: last.passed / SAMPLES,
    errored: last.errored,
  });
}
reportResult(result);
