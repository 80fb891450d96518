/**
 * OpenAI's `frequency_penalty`, `presence_penalty` and `logit_bias`, applied to the next-token logits before the
 * sampler (and so before any constraint) sees them:
 *   logit[j] += bias[j] − count[j] × frequency_penalty − (count[j] > 0) × presence_penalty,
 * `count[j]` being how often token j was generated so far in this choice (the prompt does not count). Only the biased
 * and the generated ids change, so the cost per token is a copy of the logits.
 */
import type { Vec } from "../kernels/types.ts";
import type { SamplingParams } from "../types.ts";

/** A `logit_bias` key that is no token of the model (OpenAI: 400, param `logit_bias`). */
export class InvalidLogitBiasError extends Error {
  override readonly name = "InvalidLogitBiasError";
}

export class LogitAdjust {
  private readonly counts = new Map<number, number>();
  private scratch: Vec | undefined;

  private constructor(
    private readonly bias: ReadonlyArray<readonly [number, number]>,
    private readonly frequency: number,
    private readonly presence: number,
  ) {}

  /** Undefined when the request changes no logit. Throws InvalidLogitBiasError for an id outside the vocabulary. */
  static of(sampling: SamplingParams, vocabSize: number): LogitAdjust | undefined {
    const bias: [number, number][] = [];
    for (const [key, value] of Object.entries(sampling.logitBias ?? {})) {
      const id = Number(key);
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
        throw new InvalidLogitBiasError(
          `Invalid key in 'logit_bias': ${key}. Expected a token id of this model's tokenizer, an integer from 0 to ${vocabSize - 1}.`,
        );
      if (value !== 0) bias.push([id, value]);
    }
    const frequency = sampling.frequencyPenalty ?? 0;
    const presence = sampling.presencePenalty ?? 0;
    if (bias.length === 0 && frequency === 0 && presence === 0) return undefined;
    return new LogitAdjust(bias, frequency, presence);
  }

  /** The logits as the sampler should see them (a copy; the model's own are left as they are, for logprobs). */
  apply(logits: Vec): Vec {
    if (this.scratch?.length !== logits.length || this.scratch.constructor !== logits.constructor)
      this.scratch = logits instanceof Float64Array ? new Float64Array(logits.length) : new Float32Array(logits.length);
    const out = this.scratch;
    out.set(logits);
    for (const [id, b] of this.bias) out[id] = (out[id] as number) + b;
    for (const [id, count] of this.counts) out[id] = (out[id] as number) - count * this.frequency - (count > 0 ? this.presence : 0);
    return out;
  }

  /** Records a generated token. */
  generated(id: number): void {
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }
}
