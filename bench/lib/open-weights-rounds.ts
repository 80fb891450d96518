// Several rounds of one measurement (ours, then PyTorch, then ours again ...), merged into one result per side that
// keeps the best figure of each kind and every run: the machine is shared, and load that comes and goes would
// otherwise decide a ratio taken from one run of each side.
import type { OursResult } from "./open-weights-child.ts";
import type { PeerInfer, PeerResult, PeerTrain } from "./open-weights-peer.ts";

const best = (xs: number[]) => Math.max(...xs);

/** Our inference or training results of several rounds as one (best figures, all runs, the largest peak RSS). */
export function mergeOurs(runs: OursResult[], tokensPerStep = 0): OursResult {
  const first = runs[0];
  if (!first) throw new Error("no runs to merge");
  const merged: OursResult = { ...first, peakRssBytes: best(runs.map((r) => r.peakRssBytes)) };
  const infers = runs.flatMap((r) => (r.infer ? [r.infer] : []));
  if (infers.length > 0)
    merged.infer = {
      prefillTokensPerS: best(infers.map((f) => f.prefillTokensPerS)),
      decodeTokensPerS: best(infers.map((f) => f.decodeTokensPerS)),
      batchDecodeTokensPerS: best(infers.map((f) => f.batchDecodeTokensPerS)),
      batchOfFoursTokensPerS: best(infers.map((f) => f.batchOfFoursTokensPerS)),
      // the round whose prompts read whole fastest, with its own cached figure (a ratio of one run)
      sharedPrefix: infers.map((f) => f.sharedPrefix).reduce((a, b) => (b.wholeSeconds < a.wholeSeconds ? b : a)),
      prefillTokensPerCpuS: best(infers.map((f) => f.prefillTokensPerCpuS)),
      decodeTokensPerCpuS: best(infers.map((f) => f.decodeTokensPerCpuS)),
      prefillRuns: infers.flatMap((f) => f.prefillRuns),
      decodeRuns: infers.flatMap((f) => f.decodeRuns),
    };
  const mergeTrain = (fs: NonNullable<OursResult["train"]>[]) => {
    const f0 = fs[0];
    if (!f0) return undefined;
    const stepSeconds = fs.flatMap((f) => f.stepSeconds);
    const secondsPerStep = Math.min(...stepSeconds);
    return {
      ...f0,
      stepSeconds,
      stepCpuSeconds: fs.flatMap((f) => f.stepCpuSeconds),
      secondsPerStep,
      tokensPerS: tokensPerStep > 0 ? tokensPerStep / secondsPerStep : f0.tokensPerS,
      losses: fs.flatMap((f) => f.losses),
    };
  };
  const train = mergeTrain(runs.flatMap((r) => (r.train ? [r.train] : [])));
  if (train) merged.train = train;
  const extra = mergeTrain(runs.flatMap((r) => (r.extra ? [r.extra] : [])));
  if (extra) merged.extra = extra;
  return merged;
}

export function mergePeerInfer(runs: (PeerResult & PeerInfer)[]): (PeerResult & PeerInfer) | undefined {
  const first = runs[0];
  if (!first) return undefined;
  return {
    ...first,
    peak_rss_bytes: best(runs.map((r) => r.peak_rss_bytes)),
    prefill_tokens_per_s: best(runs.map((r) => r.prefill_tokens_per_s)),
    decode_tokens_per_s: best(runs.map((r) => r.decode_tokens_per_s)),
    prefill_tokens_per_cpu_s: best(runs.map((r) => r.prefill_tokens_per_cpu_s)),
    decode_tokens_per_cpu_s: best(runs.map((r) => r.decode_tokens_per_cpu_s)),
    prefill_runs: runs.flatMap((r) => r.prefill_runs),
    decode_runs: runs.flatMap((r) => r.decode_runs),
  };
}

export function mergePeerTrain(runs: (PeerResult & PeerTrain)[], tokensPerStep: number): (PeerResult & PeerTrain) | undefined {
  const first = runs[0];
  if (!first) return undefined;
  const stepSeconds = runs.flatMap((r) => r.step_seconds);
  const secondsPerStep = Math.min(...stepSeconds);
  return {
    ...first,
    peak_rss_bytes: best(runs.map((r) => r.peak_rss_bytes)),
    step_seconds: stepSeconds,
    step_cpu_seconds: runs.flatMap((r) => r.step_cpu_seconds),
    seconds_per_step: secondsPerStep,
    tokens_per_s: tokensPerStep / secondsPerStep,
    losses: runs.flatMap((r) => r.losses),
  };
}
