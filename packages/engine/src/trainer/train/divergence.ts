/**
 * Training health: a run whose loss is not finite, or whose smoothed loss stays above where it started after the
 * learning-rate warmup, is diverging (a learning rate that ruins the model). The job fails with
 * `training_diverged` and the step, rather than "succeeding" with a broken model.
 *
 * Measured on the ticket-routing example (local-tiny, 3 epochs = 45 steps, batch 8, three data orders): after
 * warmup, multipliers 1–30 keep the smoothed loss above start + 0.5 nats for at most one step, 50 for up to 5 (not
 * failed), 100 for 7–12 (failed; it ends at loss ≈ 3.1 where 1 ends at ≈ 1.05). A margin in nats, not a ratio,
 * so that a run starting from a tuned model (loss near 0) is not failed for noise.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const TRAINING_DIVERGED = "training_diverged";

/** Smoothing of the per-batch loss (an exponential moving average over ~7 batches). */
const ALPHA = 0.25;
/** How far above its start (in nats) the smoothed loss must be… */
export const MARGIN_NATS = 0.5;
/** …for this many consecutive steps after warmup. */
export const PATIENCE = 6;

export class TrainingDivergedError extends Error {
  readonly code = TRAINING_DIVERGED;
  constructor(
    readonly step: number,
    message: string,
  ) {
    super(message);
    this.name = "TrainingDivergedError";
  }
}

/** The monitor's state, saved with each checkpoint so a resumed run judges exactly as the uninterrupted one. */
export interface HealthState {
  /** Mean loss of the model before its first update, over a sample of the training examples. */
  start: number | null;
  smoothed: number | null;
  above: number;
}

const FILE = "health.json";

export class DivergenceMonitor {
  private state: HealthState;

  constructor(
    private readonly warmup: number,
    private readonly context: { totalSteps: number; learningRateMultiplier: number },
    state: HealthState = { start: null, smoothed: null, above: 0 },
  ) {
    this.state = { ...state };
  }

  setStart(loss: number): void {
    if (Number.isFinite(loss)) this.state.start = loss;
  }

  /** Judges the loss of the step just trained; throws TrainingDivergedError when the run is diverging. */
  observe(step: number, loss: number): void {
    const where = `Training diverged at step ${step} of ${this.context.totalSteps}`;
    const advice = `lower the learning_rate_multiplier (it was ${this.context.learningRateMultiplier})`;
    if (!Number.isFinite(loss)) throw new TrainingDivergedError(step, `${where}: the training loss is ${loss}; ${advice}.`);
    const s = this.state;
    s.smoothed = s.smoothed === null ? loss : (1 - ALPHA) * s.smoothed + ALPHA * loss;
    if (s.start === null || step <= this.warmup) return;
    s.above = s.smoothed > s.start + MARGIN_NATS ? s.above + 1 : 0;
    if (s.above >= PATIENCE)
      throw new TrainingDivergedError(
        step,
        `${where}: the smoothed training loss (${s.smoothed.toFixed(3)}) stayed above its starting value (${s.start.toFixed(3)}) for ${s.above} steps after warmup; ${advice}.`,
      );
  }

  save(dir: string): void {
    writeFileSync(join(dir, FILE), JSON.stringify(this.state));
  }

  /** The state saved in a checkpoint directory (none in checkpoints written before the monitor existed). */
  static load(dir: string): HealthState | undefined {
    try {
      return JSON.parse(readFileSync(join(dir, FILE), "utf8")) as HealthState;
    } catch {
      return undefined;
    }
  }
}

/** Whether an error (also one rebuilt from a worker's message) is a divergence. */
export function isTrainingDiverged(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === TRAINING_DIVERGED;
}
