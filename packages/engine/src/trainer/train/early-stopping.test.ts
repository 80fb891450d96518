// Early stopping's bookkeeping on given validation figures: what counts as an improvement, when it
// stops, which weights it restores and the sentence it gives.
import { describe, expect, it } from "vitest";
import { EarlyStopping } from "./early-stopping.ts";

const w = (x: number) => Float32Array.of(x, x + 1);

describe("EarlyStopping", () => {
  it("stops after `patience` validations without improvement and restores the best weights", () => {
    const e = new EarlyStopping(2);
    expect(e.observe(10, 2.0, 0.5, w(1))).toBeUndefined();
    expect(e.observe(20, 1.0, 0.6, w(2))).toBeUndefined(); // better loss and accuracy
    expect(e.observe(30, 0.998, 0.6, w(3))).toBeUndefined(); // 0.2% lower loss: not an improvement (stale 1)
    const stop = e.observe(40, 1.2, 0.55, w(4)); // stale 2: stop
    expect(stop).toMatchObject({ step: 40, bestStep: 20, bestValidLoss: 1.0, bestValidMeanTokenAccuracy: 0.6, patience: 2 });
    expect(stop?.reason).toBe(
      "Early stopping at step 40: validation loss and token accuracy did not improve for 2 validations in a row; " +
        "the tuned model keeps the weights of step 20 (valid_loss=1.0000, valid_mean_token_accuracy=0.6000).",
    );
    const params = w(9);
    e.restoreBest(params);
    expect([...params]).toEqual([2, 3]);
  });

  it("a higher token accuracy counts as an improvement even when the loss rises, and resets the count", () => {
    const e = new EarlyStopping(2);
    e.observe(1, 1.0, 0.5, w(1));
    expect(e.observe(2, 1.1, 0.5, w(2))).toBeUndefined(); // stale 1
    expect(e.observe(3, 1.3, 0.7, w(3))).toBeUndefined(); // accuracy up: best is step 3
    expect(e.observe(4, 1.4, 0.7, w(4))).toBeUndefined(); // stale 1
    expect(e.observe(5, 1.5, 0.6, w(5))?.bestStep).toBe(3);
  });

  it("refuses a patience that is not a positive integer", () => {
    expect(() => new EarlyStopping(0)).toThrow(/positive integer/);
    expect(() => new EarlyStopping(1.5)).toThrow(/positive integer/);
  });
});
