// CLI start-up, all in this run on this machine: bare `node -e 0`, the compiled `tunelab --help` and `tunelab --version`
// (apps/cli/bin/tunelab.mjs, as users run it), interleaved run by run so that a busy moment hits each alike; then, for
// reference, `--help` from the TypeScript sources through tsx (TUNELAB_DEV=1). Prints the medians of wall time and
// the ratio of `--help` to `node -e 0` (target <= 3x). `node --import tsx bench/cli-startup.ts [--runs N]`.
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { ensureBuilt, staleReason } from "../apps/cli/scripts/build.mjs";
import { fixed, median, quantile } from "./lib/measure.ts";

const BIN = fileURLToPath(new URL("../apps/cli/bin/tunelab.mjs", import.meta.url));
const runsAt = process.argv.indexOf("--runs");
const RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 21;
const DEV_RUNS = Math.max(3, Math.ceil(RUNS / 4));
const TARGET = 3;

interface Case {
  label: string;
  args: string[];
  env?: Record<string, string>;
  expect: RegExp;
}

const cases: Case[] = [
  { label: "node -e 0", args: ["-e", "0"], expect: /^$/ },
  { label: "tunelab --help (compiled)", args: [BIN, "--help"], expect: /Usage: tunelab/ },
  { label: "tunelab --version (compiled)", args: [BIN, "--version"], expect: /^\d+\.\d+\.\d+/ },
];
const dev: Case = {
  label: "tunelab --help (tsx, development)",
  args: [BIN, "--help"],
  env: { TUNELAB_DEV: "1" },
  expect: /Usage: tunelab/,
};

/** Wall time of one run, in ms; throws when it fails or prints something else than expected. */
function once(c: Case): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, c.args, { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...c.env } });
  const ms = performance.now() - started;
  if (result.status !== 0 || !c.expect.test(result.stdout)) throw new Error(`${c.label} failed (${result.status}): ${result.stderr}`);
  return ms;
}

const stale = staleReason();
if (stale) {
  process.stdout.write(`building the CLI first (${stale})\n`);
  await ensureBuilt();
}
for (const c of [...cases, dev]) once(c); // warm the file cache

const times = new Map<Case, number[]>(cases.map((c) => [c, []]));
for (let i = 0; i < RUNS; i++) for (const c of cases) times.get(c)?.push(once(c));
const devTimes = Array.from({ length: DEV_RUNS }, () => once(dev));

const row = (label: string, values: number[]) =>
  `  ${label.padEnd(36)} median ${fixed(median(values), 0).padStart(5)} ms   p10 ${fixed(quantile(values, 0.1), 0).padStart(5)} ms   p90 ${fixed(quantile(values, 0.9), 0).padStart(5)} ms   (${values.length} runs)\n`;
process.stdout.write(`CLI start-up, wall time per process (${RUNS} interleaved runs each):\n`);
for (const c of cases) process.stdout.write(row(c.label, times.get(c) ?? []));
process.stdout.write(row(dev.label, devTimes));

const node = median(times.get(cases[0] as Case) ?? []);
const help = median(times.get(cases[1] as Case) ?? []);
const version = median(times.get(cases[2] as Case) ?? []);
const ratio = help / node;
process.stdout.write(
  `tunelab --help / node -e 0: ${fixed(ratio, 2)}x (target <= ${TARGET}x: ${ratio <= TARGET ? "met" : "NOT met"}); ` +
    `--version ${fixed(version / node, 2)}x; tsx --help ${fixed(median(devTimes) / node, 2)}x (${fixed(median(devTimes) / help, 1)}x the compiled --help)\n`,
);
