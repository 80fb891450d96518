// Time of the paired p-value (the sign-flip test compare, the per-tag breakdown and the CI gate's --max-drop use) and of
// a whole paired comparison (bootstrap interval + p-value) on N pairs: continuous differences (every pair changed) and
// pass/fail ones (a share changed), median of R runs after a warm-up.
// Run: pnpm exec tsx bench/sign-flip.ts [pairs] [repeats]
import { mulberry32, pairedBootstrap, SIGN_FLIP_DRAWS, signFlipPValue } from "@tunelab/evals";

const PAIRS = Number(process.argv[2] ?? 10_000);
const REPEATS = Number(process.argv[3] ?? 9);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function timed(run: () => void): number {
  run();
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times);
}

const random = mulberry32(7);
const data = {
  continuous: Array.from({ length: PAIRS }, () => Math.round((random() - random()) * 1e4) / 1e4),
  "pass/fail (15% changed)": Array.from({ length: PAIRS }, () => {
    const u = random();
    return u < 0.075 ? -1 : u < 0.15 ? 1 : 0;
  }),
};
console.log(`${PAIRS} pairs, ${SIGN_FLIP_DRAWS} random sign patterns, median of ${REPEATS}`);
for (const [name, d] of Object.entries(data)) {
  const p = timed(() => signFlipPValue(d));
  const whole = timed(() => pairedBootstrap(d));
  console.log(`${name}: sign-flip p-value ${p.toFixed(1)} ms; with the bootstrap interval ${whole.toFixed(1)} ms`);
}
