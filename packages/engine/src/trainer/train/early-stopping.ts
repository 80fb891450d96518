/**
 * Early stopping on the validation set. A validation improves when its loss is below the best loss
 * so far by more than MIN_RELATIVE_DELTA (0.5%) or its mean token accuracy is above the best so far.
 * After `patience` validations in a row without improvement the run stops, and the final model gets
 * the weights of the last improving validation (restore-best). The state lives in memory: a run
 * resumed from a checkpoint starts counting again (and keeps its own best from then on).
 */
import type { EarlyStop } from "../types.ts";

export const MIN_RELATIVE_DELTA = 0.005;

export class EarlyStopping {
  private bestLoss = Number.POSITIVE_INFINITY;
  private bestAccuracy = Number.NEGATIVE_INFINITY;
  private best: { step: number; loss: number; accuracy: number } | undefined;
  private bestWeights: Float32Array | undefined;
  private stale = 0;

  constructor(readonly patience: number) {
    if (!(Number.isInteger(patience) && patience > 0)) throw new Error("early stopping patience must be a positive integer");
  }

  /**
   * Records one validation of the weights `params` after `step`. Returns the reason to stop, or
   * undefined to go on. A copy of the weights is kept at every improvement.
   */
  observe(step: number, validLoss: number, validAccuracy: number, params: Float32Array): EarlyStop | undefined {
    const improved = validLoss < this.bestLoss * (1 - MIN_RELATIVE_DELTA) || validAccuracy > this.bestAccuracy;
    this.bestLoss = Math.min(this.bestLoss, validLoss);
    this.bestAccuracy = Math.max(this.bestAccuracy, validAccuracy);
    if (improved || !this.best) {
      this.best = { step, loss: validLoss, accuracy: validAccuracy };
      if (this.bestWeights?.length === params.length) this.bestWeights.set(params);
      else this.bestWeights = Float32Array.from(params);
      this.stale = 0;
      return undefined;
    }
    this.stale++;
    if (this.stale < this.patience) return undefined;
    const b = this.best;
    return {
      step,
      bestStep: b.step,
      bestValidLoss: b.loss,
      bestValidMeanTokenAccuracy: b.accuracy,
      patience: this.patience,
      reason:
        `Early stopping at step ${step}: validation loss and token accuracy did not improve for ${this.patience} validations ` +
        `in a row; the tuned model keeps the weights of step ${b.step} (valid_loss=${b.loss.toFixed(4)}, ` +
        `valid_mean_token_accuracy=${b.accuracy.toFixed(4)}).`,
    };
  }

  /** Copies the best validation's weights into `params`. */
  restoreBest(params: Float32Array): void {
    if (this.bestWeights) params.set(this.bestWeights);
  }
}
