// `auto` on long examples (issue 19): time to the same exact-match accuracy on the long-tickets
// example (local-small) with the previous `auto` rule (steps alone) and the current one (steps and
// tokens seen, early stopping on valid.jsonl), side by side in one run, and the PyTorch peer
// (bench/peers/torch_long_task.py) on the same files when python3 has torch. Each `auto` run is
// scored on test.jsonl at every epoch (outside the training clock). Two figures per rule:
// - time to target: training seconds until an epoch's model first reaches the target;
// - the job's training time: what a user waits for the tuned model. The current rule runs to its
//   own end (early stopping or its last step); the previous rule's 1,400 steps are projected from
//   its measured pace when the budget cuts it short (it is said so).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { openblasEnv } from "./openblas-env.ts";
import { type AccuracyRun, examplePath, LONG_TICKETS, timeToAccuracy } from "./time-to-accuracy.ts";

const TARGET = Number(process.env.BENCH_LONG_TARGET ?? 0.95);
const BUDGET_S = Number(process.env.BENCH_LONG_SECONDS ?? 600);

export function loadavg(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").trim();
  } catch {
    return "unavailable";
  }
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

function describe(label: string, r: AccuracyRun): string {
  const hp = r.hyperparameters;
  let line = `  ${label}: ${hp.n_epochs} epochs × batch ${hp.batch_size} = ${r.totalSteps} steps`;
  line += hp.early_stopping_patience ? `, early stopping (patience ${hp.early_stopping_patience}) on valid.jsonl` : ", no early stopping";
  line += r.reached
    ? `; ${pct(r.reached.accuracy)} at step ${r.reached.step} after ${r.reached.seconds.toFixed(1)} s of training`
    : `; ${pct(TARGET)} not reached; best ${pct(r.best.accuracy)} at step ${r.best.step} (${r.best.seconds.toFixed(1)} s)`;
  if (r.finished) {
    const why = r.finished.earlyStop
      ? `stopped early at step ${r.finished.step} (kept step ${r.finished.earlyStop.bestStep})`
      : `ran all ${r.finished.step} steps`;
    line += `; the job ${why} in ${r.finished.seconds.toFixed(1)} s, final model ${pct(r.finished.accuracy)}`;
  }
  return line;
}

/** Training seconds of the whole job: measured when it finished, else projected from its pace. */
function jobSeconds(r: AccuracyRun): { seconds: number; projected: boolean } | undefined {
  if (r.finished) return { seconds: r.finished.seconds, projected: false };
  const at = r.reached ?? r.best;
  if (at.step === 0) return undefined;
  return { seconds: (at.seconds / at.step) * r.totalSteps, projected: true };
}

function findTorchPython(): string | undefined {
  for (const py of ["python3", "/usr/bin/python3"]) {
    if (spawnSync(py, ["-c", "import torch"], { stdio: "ignore" }).status === 0) return py;
  }
  return undefined;
}

interface PeerRun {
  reached: { seconds: number; epoch: number; accuracy: number } | null;
  best: { seconds: number; epoch: number; accuracy: number };
  params: number;
  keep: number;
  epochs: number;
}

function peer(py: string): PeerRun | string {
  const script = fileURLToPath(new URL("../peers/torch_long_task.py", import.meta.url));
  const args = [script, "--train", examplePath(LONG_TICKETS, "train.jsonl"), "--test", examplePath(LONG_TICKETS, "test.jsonl")];
  const env = { ...process.env, ...openblasEnv(2) };
  const r = spawnSync(py, [...args, "--target", String(TARGET)], { env, encoding: "utf8", timeout: 900_000 });
  if (r.status !== 0) return `torch peer failed: ${(r.stderr ?? "").trim().split("\n").at(-1)}`;
  return JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as PeerRun;
}

export function longInputs(): void {
  console.log(
    `auto on long examples: time to ${pct(TARGET)} exact match, long-tickets (local-small, train.jsonl 224 threads of 325–440 tokens → test.jsonl 80; scored every epoch; budget ${BUDGET_S} s of training per run)`,
  );
  console.log(`  load before: ${loadavg()} (2 cores, shared machine: figures are noisy)`);
  const common = {
    base: "local-small" as const,
    seed: 1,
    target: TARGET,
    budgetSeconds: BUDGET_S,
    task: LONG_TICKETS,
    checkEvery: "epoch" as const,
  };
  const old = timeToAccuracy({ ...common, rule: "steps", useValidation: false });
  console.log(describe("previous auto (steps)", old));
  const now = timeToAccuracy({ ...common, rule: "tokens", runToEnd: true });
  console.log(describe("current auto (tokens seen + early stopping)", now));
  if (old.reached && now.reached) {
    console.log(
      `  time to ${pct(TARGET)}: current ${now.reached.seconds.toFixed(1)} s vs previous ${old.reached.seconds.toFixed(1)} s = ${pct(now.reached.seconds / old.reached.seconds)} of the previous rule's time`,
    );
  }
  if (old.reached && now.reached) {
    // Load-independent: examples seen (steps × batch) until the scored epoch that first met the target.
    const seen = (r: AccuracyRun) => (r.reached?.step ?? 0) * r.hyperparameters.batch_size;
    console.log(
      `  examples seen to ${pct(TARGET)}: current ${seen(now)} (${seen(now) / old.examples} epochs) vs previous ${seen(old)} (${seen(old) / old.examples} epochs) = ${pct(seen(now) / seen(old))}`,
    );
  }
  const oldJob = jobSeconds(old);
  const nowJob = jobSeconds(now);
  if (oldJob && nowJob) {
    console.log(
      `  the job's training time: current ${nowJob.seconds.toFixed(1)} s${nowJob.projected ? " (projected)" : ""} (final model ${now.finished ? pct(now.finished.accuracy) : "n/a"}) vs previous ${oldJob.seconds.toFixed(1)} s${oldJob.projected ? ` (projected from its pace over ${(old.reached ?? old.best).step} steps to all ${old.totalSteps})` : ""} = ${pct(nowJob.seconds / oldJob.seconds)} (target ≤ 60%)`,
    );
  }
  const py = findTorchPython();
  if (!py) {
    console.log("  (no python3 with torch: PyTorch peer skipped; apt-get install python3-torch libopenblas0-openmp)");
  } else {
    const p = peer(py);
    if (typeof p === "string") console.log(`  ${p}`);
    else {
      const head = `  PyTorch peer (d 64, 2 layers, last ${p.keep} words, loss on the label, up to ${p.epochs} epochs; ${p.params} params)`;
      console.log(
        p.reached
          ? `${head}: ${pct(p.reached.accuracy)} at epoch ${p.reached.epoch} after ${p.reached.seconds.toFixed(1)} s of training`
          : `${head}: ${pct(TARGET)} not reached; best ${pct(p.best.accuracy)} at epoch ${p.best.epoch} (${p.best.seconds.toFixed(1)} s)`,
      );
      if (p.reached && now.reached)
        console.log(
          `  current auto vs peer, time to ${pct(TARGET)}: ${now.reached.seconds.toFixed(1)} s vs ${p.reached.seconds.toFixed(1)} s (${(now.reached.seconds / p.reached.seconds).toFixed(2)}×)`,
        );
    }
  }
  console.log(`  load after: ${loadavg()}`);
}
