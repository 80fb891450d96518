// Early stopping's bookkeeping on given validation figures: what counts as an improvement, when it
// stops, which weights it restores and the sentence it gives.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EarlyStopping, MIN_TRAINING_FRACTION, patienceStartStep } from "./early-stopping.ts";

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

  it("below 0.04 nats a token, a fall of the loss must also exceed 0.0002 nats to count (long-tickets' figures)", () => {
    // long-tickets, local-small, seed 1: validation loss from step 234 on, token accuracy 1.0 throughout
    const e = new EarlyStopping(3);
    const losses: [number, number][] = [
      [234, 0.00647],
      [312, 0.00312],
      [390, 0.00324], // stale 1
      [468, 0.00098], // 0.00214 below the best: an improvement
      [546, 0.00054], // 0.00044 below: an improvement (0.5% of the loss would be 0.000005)
      [624, 0.00099], // stale 1
      [702, 0.00042], // 0.00012 below the best: under the floor, stale 2
    ];
    for (const [step, loss] of losses) expect(e.observe(step, loss, 1, w(step))).toBeUndefined();
    const stop = e.observe(780, 0.00031, 1, w(780)); // 0.00011 below 0.00042: stale 3
    expect(stop).toMatchObject({ step: 780, bestStep: 546, bestValidLoss: 0.00054 });
    // above 0.04 the relative margin decides, as before: 0.6% below 1.0 is an improvement, 0.2% below that is not
    const f = new EarlyStopping(1);
    f.observe(1, 1.0, 0.5, w(1));
    expect(f.observe(2, 0.994, 0.5, w(2))).toBeUndefined();
    expect(f.observe(3, 0.992, 0.5, w(3))?.bestStep).toBe(2);
  });

  it("refuses a patience that is not a positive integer, and a first counted step below 0", () => {
    expect(() => new EarlyStopping(0)).toThrow(/positive integer/);
    expect(() => new EarlyStopping(1.5)).toThrow(/positive integer/);
    expect(() => new EarlyStopping(3, -1)).toThrow(/non-negative integer/);
  });

  // Validations of the digits example (local-tiny, seed 1, 7 epochs × batch 16: 1,316 steps): the answer's format is
  // learnt by step 100 (token accuracy 0.85), the digit from step 330 on; validation sits still in between.
  const digits: Array<[number, number, number]> = [
    [66, 0.4339, 0.85],
    [100, 0.3954, 0.85],
    [132, 0.3967, 0.85],
    [198, 0.3984, 0.85],
    [200, 0.3955, 0.85],
    [264, 0.3896, 0.85],
    [300, 0.391, 0.85],
    [330, 0.3821, 0.8494],
    [396, 0.3201, 0.8828],
    [400, 0.3179, 0.8778],
    [462, 0.2647, 0.8956],
  ];

  it("validations before the first counted step do not count toward patience", () => {
    const unguarded = new EarlyStopping(3);
    const stoppedAt = digits.map(([step, loss, acc]) => unguarded.observe(step, loss, acc, w(step))).find((s) => s)?.step;
    expect(stoppedAt).toBe(200); // what patience 3 did before the guard: 0.10 on the test split (0.88 for the whole run)

    const e = new EarlyStopping(3, patienceStartStep(1316));
    expect(e.countFrom).toBe(395);
    for (const [step, loss, acc] of digits) expect(e.observe(step, loss, acc, w(step))).toBeUndefined();
    // from step 395 on, 3 validations without improvement stop the run
    expect(e.observe(500, 0.27, 0.89, w(500))).toBeUndefined();
    expect(e.observe(528, 0.268, 0.895, w(528))).toBeUndefined();
    const stop = e.observe(594, 0.3, 0.88, w(594));
    expect(stop).toMatchObject({ step: 594, bestStep: 462, patience: 3, countFrom: 395 });
    expect(stop?.reason).toBe(
      "Early stopping at step 594: validation loss and token accuracy did not improve for 3 validations in a row " +
        "(counted from step 395); the tuned model keeps the weights of step 462 (valid_loss=0.2647, valid_mean_token_accuracy=0.8956).",
    );
    const params = w(0);
    e.restoreBest(params);
    expect([...params]).toEqual([462, 463]);
  });

  it("a best found before the first counted step is kept when nothing after it improves", () => {
    const e = new EarlyStopping(2, 10);
    expect(e.observe(5, 1.0, 0.5, w(5))).toBeUndefined();
    expect(e.observe(8, 1.2, 0.4, w(8))).toBeUndefined(); // worse, but before step 10: not counted
    expect(e.observe(10, 1.1, 0.5, w(10))).toBeUndefined(); // counted: 1
    expect(e.observe(12, 1.3, 0.5, w(12))).toMatchObject({ step: 12, bestStep: 5, countFrom: 10 });
    const params = w(0);
    e.restoreBest(params);
    expect([...params]).toEqual([5, 6]);
  });

  it("validations off the schedule (at checkpoints) may improve the best but never count toward patience", () => {
    const params = new Float32Array([1, 2]);
    const early = new EarlyStopping(2);
    expect(early.observe(10, 1.0, 0.5, params)).toBeUndefined();
    // three checkpoint validations without improvement: no count
    for (const step of [12, 14, 16]) expect(early.observe(step, 1.1, 0.4, params, false)).toBeUndefined();
    // a checkpoint validation that improves becomes the best
    params[0] = 9;
    expect(early.observe(18, 0.8, 0.6, params, false)).toBeUndefined();
    params[0] = 1;
    expect(early.observe(20, 0.9, 0.5, params)).toBeUndefined();
    const stop = early.observe(30, 0.9, 0.5, params);
    expect(stop).toMatchObject({ step: 30, bestStep: 18 });
    early.restoreBest(params);
    expect(params[0]).toBe(9);
  });

  it("counts from 30% of the planned steps", () => {
    expect(MIN_TRAINING_FRACTION).toBe(0.3);
    expect(patienceStartStep(1504)).toBe(452);
    expect(patienceStartStep(160)).toBe(48);
    expect(patienceStartStep(1)).toBe(1);
  });
});

describe("EarlyStopping saved with a checkpoint", () => {
  const root = mkdtempSync(join(tmpdir(), "tunelab-early-state-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("restored, it goes on counting from the saved state and restores the saved best weights", () => {
    const e = new EarlyStopping(2);
    e.observe(10, 2.0, 0.5, w(1));
    e.observe(20, 1.0, 0.6, w(2)); // best
    e.observe(30, 0.999, 0.6, w(3)); // stale 1
    const dir = mkdtempSync(join(root, "ckpt-"));
    e.save(dir);
    const resumed = new EarlyStopping(2);
    resumed.restore(dir, 2);
    // the next validation without improvement is the second in a row: it stops, keeping step 20's weights
    expect(resumed.observe(40, 1.1, 0.55, w(4))).toMatchObject({ step: 40, bestStep: 20, bestValidLoss: 1.0 });
    const params = w(9);
    resumed.restoreBest(params);
    expect([...params]).toEqual([2, 3]);
  });

  it("before any validation, and from a checkpoint that saved none, it starts afresh", () => {
    const empty = mkdtempSync(join(root, "none-"));
    new EarlyStopping(1).save(empty);
    const older = mkdtempSync(join(root, "older-"));
    for (const dir of [empty, older]) {
      const e = new EarlyStopping(1);
      e.restore(dir, 2);
      expect(e.observe(10, 5, 0.1, w(1))).toBeUndefined(); // the first validation is the best so far
      expect(e.observe(20, 6, 0.1, w(2))?.bestStep).toBe(10);
    }
  });

  it("refuses saved weights of another model's size", () => {
    const e = new EarlyStopping(1);
    e.observe(10, 1, 0.5, w(1));
    const dir = mkdtempSync(join(root, "size-"));
    e.save(dir);
    expect(() => new EarlyStopping(1).restore(dir, 3)).toThrow(/holds 2 weights; the model has 3/);
  });
});
