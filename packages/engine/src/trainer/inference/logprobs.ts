/**
 * Log-probabilities of generated tokens in OpenAI's shape (`choices[].logprobs.content[]`:
 * `{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}`), from the model's raw
 * next-token logits (log-softmax in float64, before temperature or top_p, as OpenAI reports them).
 */
import type { Vec } from "../kernels/types.ts";

export interface TopLogprob {
  token: string;
  logprob: number;
  bytes: number[];
}

export interface TokenLogprob extends TopLogprob {
  top_logprobs: TopLogprob[];
}

/** log Σ exp(logits) over the allowed ids, in float64. */
export function logSumExp(logits: Vec, allowed?: (id: number) => boolean): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) if (!allowed || allowed(i)) max = Math.max(max, logits[i] as number);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) if (!allowed || allowed(i)) sum += Math.exp((logits[i] as number) - max);
  return max + Math.log(sum);
}

/** The `top` most likely ids (ties by lower id), by a single pass keeping a small sorted list. */
export function topIds(logits: Vec, top: number, allowed?: (id: number) => boolean): number[] {
  const best: number[] = [];
  if (top <= 0) return best;
  for (let i = 0; i < logits.length; i++) {
    if (allowed && !allowed(i)) continue;
    const v = logits[i] as number;
    if (best.length === top && v <= (logits[best[top - 1] as number] as number)) continue;
    let at = best.length;
    while (at > 0 && v > (logits[best[at - 1] as number] as number)) at--;
    best.splice(at, 0, i);
    if (best.length > top) best.pop();
  }
  return best;
}

/** One generated token's entry; `describe(id)` gives its text and raw bytes. */
export function tokenLogprob(
  logits: Vec,
  chosen: number,
  top: number,
  describe: (id: number) => { token: string; bytes: number[] },
  allowed?: (id: number) => boolean,
): TokenLogprob {
  const lse = logSumExp(logits, allowed);
  const entry = (id: number): TopLogprob => ({ ...describe(id), logprob: (logits[id] as number) - lse });
  return { ...entry(chosen), top_logprobs: topIds(logits, top, allowed).map(entry) };
}
