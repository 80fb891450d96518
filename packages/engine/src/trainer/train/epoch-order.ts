/**
 * The data order of a training run: one permutation of the examples per epoch, drawn from a seeded
 * stream whose state at the start of the current epoch is what a checkpoint saves. A run resumed
 * with that state draws the same permutations as the uninterrupted run (all training loops use this).
 */
import { Rng } from "./rng.ts";

export class EpochOrder {
  private readonly rng: Rng;
  private startState: number[];
  private epoch: number;
  private order: number[];

  /** `saved`: the epoch-start state of the checkpoint resumed at `step` (else a fresh stream from `seed`). */
  constructor(
    private readonly examples: number,
    private readonly stepsPerEpoch: number,
    seed: number,
    saved?: readonly number[],
    step = 0,
  ) {
    this.rng = new Rng(saved ? Uint32Array.from(saved) : (seed ^ 0x9e3779b9) >>> 0);
    this.startState = this.rng.state();
    this.epoch = Math.floor(step / stepsPerEpoch);
    this.order = this.rng.permutation(examples);
  }

  private enter(step: number): void {
    const e = Math.floor(step / this.stepsPerEpoch);
    if (e === this.epoch) return;
    this.epoch = e;
    this.startState = this.rng.state();
    this.order = this.rng.permutation(this.examples);
  }

  /** The example indices of 0-based step `step` with batch size `B`. */
  batch(step: number, B: number): number[] {
    this.enter(step);
    const i0 = (step % this.stepsPerEpoch) * B;
    return this.order.slice(i0, i0 + B);
  }

  /** The first `n` indices of the current epoch's order. */
  first(n: number): number[] {
    return this.order.slice(0, n);
  }

  /** The state a checkpoint after `step` steps saves: the start of the epoch the next step belongs to. */
  checkpointState(step: number, total: number): number[] {
    if (step < total) this.enter(step);
    return this.startState;
  }
}
