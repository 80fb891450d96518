/**
 * Early stopping on the validation set. A validation improves when its loss is below the best loss
 * so far by more than MIN_RELATIVE_DELTA (0.5%) and by more than MIN_ABSOLUTE_DELTA (0.0002 nats a
 * token), or its mean token accuracy is above the best so far. The absolute floor matters only once
 * the loss is below 0.04: a model that puts 99.98% on each answer token does not answer differently
 * when that rises further, yet 0.5% of a tiny loss kept counting as progress. On long-tickets
 * (local-small, seed 1) the validation loss went 0.0065, 0.0031, 0.0010, 0.0005 … 0.00006 from step
 * 234 on with token accuracy at 1.0 throughout, and the job trained to step 1,248 of 1,568 (58.7 s);
 * with the floor it stops at step 780 (kept step 546).
 * After `patience` validations in a row without improvement the run stops, and the final model gets
 * the weights of the last improving validation (restore-best). The state (the best validation, its
 * weights, the count so far) is saved with each resumable checkpoint, so a run resumed after its
 * process died stops where the uninterrupted run stops and keeps the same weights.
 *
 * Validations before MIN_TRAINING_FRACTION (30%) of the planned steps do not count toward patience
 * (they still set the best and its weights). Models trained from scratch learn an answer's format
 * hundreds of steps before its content, and validation sits on a plateau in between: on the digits
 * example (batch 16, 1,316–1,504 steps) validation token accuracy stayed at the format-only 0.85
 * until steps 150–300 (10–23% of the run; 8 runs over seeds, 7 and 8 epochs, local-tiny and
 * local-small), and patience 3 counted from the start stopped local-tiny (7 epochs, seed 1) at step
 * 200 with 0.10 on the test split (chance); counted from step 395 the run trained to its end and
 * scored 0.88. The first epoch (188 steps there) is not enough; 30% leaves a margin over the
 * longest plateau measured. Runs whose validation stops paying later stop as before.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EarlyStop } from "../types.ts";

/** The state beside a checkpoint's weights, and the best validation's weights as raw little-endian float32. */
const STATE_FILE = "early-stopping.json";
const WEIGHTS_FILE = "early-stopping-best.bin";

interface SavedState {
  /** null: no validation yet (JSON has no Infinity). */
  bestLoss: number | null;
  bestAccuracy: number | null;
  best: { step: number; loss: number; accuracy: number } | null;
  stale: number;
}

export const MIN_RELATIVE_DELTA = 0.005;
/** Nats a token: a smaller fall of the validation loss is not an improvement, whatever its share of the loss. */
export const MIN_ABSOLUTE_DELTA = 0.0002;
/** Validations before this fraction of a run's planned steps do not count toward patience. */
export const MIN_TRAINING_FRACTION = 0.3;

/** The first step whose validation counts toward patience in a run of `totalSteps` planned steps. */
export function patienceStartStep(totalSteps: number): number {
  return Math.ceil(totalSteps * MIN_TRAINING_FRACTION);
}

/**
 * A training loop's early stopping: none without validation examples or a patience; counted from
 * `patienceStartStep(totalSteps)`; a run resumed from a checkpoint (`resumeFrom`) goes on with the
 * state that checkpoint saved. Both training loops (from scratch, open-weight) start theirs here.
 */
export function runEarlyStopping(run: {
  patience: number | undefined;
  validationExamples: number;
  totalSteps: number;
  paramCount: number;
  resumeFrom: string | undefined;
}): EarlyStopping | undefined {
  if (run.validationExamples === 0 || !run.patience || run.patience <= 0) return undefined;
  const early = new EarlyStopping(run.patience, patienceStartStep(run.totalSteps));
  if (run.resumeFrom) early.restore(run.resumeFrom, run.paramCount);
  return early;
}

export class EarlyStopping {
  private bestLoss = Number.POSITIVE_INFINITY;
  private bestAccuracy = Number.NEGATIVE_INFINITY;
  private best: { step: number; loss: number; accuracy: number } | undefined;
  private bestWeights: Float32Array | undefined;
  private stale = 0;

  /**
   * `countFrom`: validations at earlier steps do not count toward patience (the loop passes
   * patienceStartStep of the run's planned steps; 0 counts every validation).
   */
  constructor(
    readonly patience: number,
    readonly countFrom = 0,
  ) {
    if (!(Number.isInteger(patience) && patience > 0)) throw new Error("early stopping patience must be a positive integer");
    if (!(Number.isInteger(countFrom) && countFrom >= 0))
      throw new Error("early stopping's first counted step must be a non-negative integer");
  }

  /**
   * Records one validation of the weights `params` after `step`. Returns the reason to stop, or
   * undefined to go on. A copy of the weights is kept at every improvement; a validation before
   * `countFrom` that does not improve leaves the count where it is (0), and so does one that is not
   * `scheduled`: the loop also validates at each checkpoint, at irregular steps, and those may set
   * the best model but never count toward patience, so patience always spans the same number of
   * evenly spaced validations (on digits, local-tiny seed 3, checkpoint validations made three in 75
   * steps and stopped the run at step 750 with 0.77 on the test split; counting only the evenly
   * spaced ones it trained all 1,504 steps and scored 0.91).
   */
  observe(step: number, validLoss: number, validAccuracy: number, params: Float32Array, scheduled = true): EarlyStop | undefined {
    const margin = Math.max(this.bestLoss * MIN_RELATIVE_DELTA, MIN_ABSOLUTE_DELTA);
    const improved = !Number.isFinite(this.bestLoss) || validLoss < this.bestLoss - margin || validAccuracy > this.bestAccuracy;
    this.bestLoss = Math.min(this.bestLoss, validLoss);
    this.bestAccuracy = Math.max(this.bestAccuracy, validAccuracy);
    if (improved || !this.best) {
      this.best = { step, loss: validLoss, accuracy: validAccuracy };
      if (this.bestWeights?.length === params.length) this.bestWeights.set(params);
      else this.bestWeights = Float32Array.from(params);
      this.stale = 0;
      return undefined;
    }
    if (step < this.countFrom || !scheduled) return undefined;
    this.stale++;
    if (this.stale < this.patience) return undefined;
    const b = this.best;
    return {
      step,
      bestStep: b.step,
      bestValidLoss: b.loss,
      bestValidMeanTokenAccuracy: b.accuracy,
      patience: this.patience,
      countFrom: this.countFrom,
      reason:
        `Early stopping at step ${step}: validation loss and token accuracy did not improve for ${this.patience} validations ` +
        `in a row${this.countFrom > 0 ? ` (counted from step ${this.countFrom})` : ""}; the tuned model keeps the weights of step ${b.step} ` +
        `(valid_loss=${b.loss.toFixed(4)}, valid_mean_token_accuracy=${b.accuracy.toFixed(4)}).`,
    };
  }

  /** Copies the best validation's weights into `params`. */
  restoreBest(params: Float32Array): void {
    if (this.bestWeights) params.set(this.bestWeights);
  }

  /** Saves the state into a checkpoint directory (beside the checkpoint's own weights). */
  save(dir: string): void {
    const state: SavedState = {
      bestLoss: Number.isFinite(this.bestLoss) ? this.bestLoss : null,
      bestAccuracy: Number.isFinite(this.bestAccuracy) ? this.bestAccuracy : null,
      best: this.best ?? null,
      stale: this.stale,
    };
    writeFileSync(join(dir, STATE_FILE), JSON.stringify(state));
    if (this.bestWeights)
      writeFileSync(
        join(dir, WEIGHTS_FILE),
        new Uint8Array(this.bestWeights.buffer, this.bestWeights.byteOffset, this.bestWeights.byteLength),
      );
  }

  /**
   * Takes the state saved in a checkpoint directory, for a run resumed from it. A checkpoint written before the state
   * was saved has none: the run then counts from the resumed step on, as it used to. Throws when the saved weights do
   * not fit a model of `paramCount` parameters (a checkpoint of another model).
   */
  restore(dir: string, paramCount: number): void {
    if (!existsSync(join(dir, STATE_FILE))) return;
    const state = JSON.parse(readFileSync(join(dir, STATE_FILE), "utf8")) as SavedState;
    this.bestLoss = state.bestLoss ?? Number.POSITIVE_INFINITY;
    this.bestAccuracy = state.bestAccuracy ?? Number.NEGATIVE_INFINITY;
    this.best = state.best ?? undefined;
    this.stale = state.stale;
    this.bestWeights = undefined;
    if (!state.best) return;
    const bytes = readFileSync(join(dir, WEIGHTS_FILE));
    if (bytes.byteLength !== paramCount * 4)
      throw new Error(`${join(dir, WEIGHTS_FILE)} holds ${bytes.byteLength / 4} weights; the model has ${paramCount}`);
    // copied out of the file's buffer (whose offset need not be a multiple of 4)
    this.bestWeights = new Float32Array(paramCount);
    new Uint8Array(this.bestWeights.buffer).set(bytes);
  }
}
