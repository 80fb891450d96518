// The `auto` rule's arithmetic: the step rule (before), the token rule (model size × tokens seen),
// early stopping's default, and explicit values winning over both.
import { describe, expect, it } from "vitest";
import {
  AUTO_EARLY_STOPPING_PATIENCE,
  autoBatchSize,
  CHARS_PER_TOKEN,
  estimateTokens,
  MIN_TOKEN_BUDGET,
  MIN_TOKEN_RULE_STEPS,
  resolveHyperparameters,
  STEP_TOKENS_PER_EXAMPLE,
  stepRuleEpochs,
  TOKENS_PER_PARAM,
  tokenRuleEpochs,
} from "./hyperparameters.ts";
import { baseParamCount } from "./model/sizes.ts";

/** An example whose messages serialize to exactly `chars` JSON characters. */
function exampleOf(chars: number) {
  const empty = JSON.stringify([{ role: "user", content: "" }]).length;
  return { messages: [{ role: "user", content: "x".repeat(chars - empty) }] };
}

describe("auto hyperparameters", () => {
  it("estimates tokens as JSON characters / 4", () => {
    expect(CHARS_PER_TOKEN).toBe(4);
    expect(estimateTokens(exampleOf(400))).toBe(100);
    expect(estimateTokens(exampleOf(401))).toBe(101);
  });

  it("leaves image parts out of the estimate (their span is one placeholder token repeated)", () => {
    const image = (detail: "low" | "high") => ({
      type: "image_url",
      image_url: { url: `data:image/png;base64,${"A".repeat(4000)}`, detail },
    });
    const text = { role: "user", content: [{ type: "text", text: "Which digit is this?" }] };
    const withImage = (detail: "low" | "high") => ({
      role: "user",
      content: [{ type: "text", text: "Which digit is this?" }, image(detail)],
    });
    const base = estimateTokens({ messages: [text] });
    // the part serializes as "" (plus its comma): 3 characters, 1 token at most, whatever the URL or detail
    expect(estimateTokens({ messages: [withImage("low")] })).toBe(Math.ceil((JSON.stringify([text]).length + 3) / CHARS_PER_TOKEN));
    expect(estimateTokens({ messages: [withImage("high")] })).toBe(estimateTokens({ messages: [withImage("low")] }));
    expect(estimateTokens({ messages: [withImage("low")] }) - base).toBeLessThanOrEqual(1);
  });

  it("an image example with a short answer keeps the step rule's epochs (the digits example's shape)", () => {
    // 3,000 examples of ~58 text tokens and one image: 174,000 tokens an epoch → 9 epochs by tokens;
    // the step rule's 8 (188 steps an epoch) stand. Counting the 18-token image span gave 7.
    const digit = {
      messages: [
        { role: "system", content: 'Read the handwritten digit in the image. Answer with JSON: {"digit": N}.' },
        {
          role: "user",
          content: [
            { type: "text", text: "Which digit is this?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${"A".repeat(300)}`, detail: "low" } },
          ],
        },
        { role: "assistant", content: '{"digit":7}' },
      ],
    };
    const perExample = estimateTokens(digit);
    expect(perExample).toBe(58); // 230 JSON characters, the image part as ""
    const training = Array.from({ length: 3000 }, () => digit);
    const r = resolveHyperparameters(3000, {}, { training, params: baseParamCount("local-tiny") });
    expect(r.batch_size).toBe(16);
    expect(tokenRuleEpochs(perExample * 3000, baseParamCount("local-tiny"), 3000, 16)).toBe(9);
    expect(r.n_epochs).toBe(stepRuleEpochs(3000, 16));
    expect(r.n_epochs).toBe(8);
  });

  it("the step rule aims at 1,500 steps within [1, 50] epochs and 100,000 example passes", () => {
    expect(stepRuleEpochs(480, 8)).toBe(25); // 60 steps an epoch
    expect(stepRuleEpochs(224, 8)).toBe(50); // 28 steps an epoch: 54, capped at 50
    expect(stepRuleEpochs(20_000, 32)).toBe(3); // 625 steps an epoch
    expect(stepRuleEpochs(200_000, 32)).toBe(1);
  });

  it("the token rule sees 1.5 × params tokens (at least 1.5M), with at least 300 steps", () => {
    expect(TOKENS_PER_PARAM).toBe(1.5);
    expect(MIN_TOKEN_RULE_STEPS).toBe(300);
    expect(MIN_TOKEN_BUDGET).toBe(1_500_000);
    // 1.5 × 4M = 6M tokens at 100,000 tokens an epoch: 60 epochs
    expect(tokenRuleEpochs(100_000, 4_000_000, 800, 8)).toBe(60);
    // 1.5 × 150,000 is below the floor: 1.5M tokens, 15 epochs
    expect(tokenRuleEpochs(100_000, 150_000, 800, 8)).toBe(15);
    // 1.5 × 1,000,000 = 1.5M tokens at 100,000 tokens an epoch: 15 epochs (15 × 100 steps ≥ 300)
    expect(tokenRuleEpochs(100_000, 1_000_000, 800, 8)).toBe(15);
    // 16 epochs of 28 steps (448 ≥ 300)
    expect(tokenRuleEpochs(94_000, 1_000_000, 224, 8)).toBe(16);
    // a budget of 2 epochs would be 56 steps: raised to ceil(300 / 28) = 11 epochs
    expect(tokenRuleEpochs(750_000, 1_000_000, 224, 8)).toBe(11);
  });

  it("long examples train fewer epochs than the step rule; short ones keep it", () => {
    const params = baseParamCount("local-small");
    // 224 examples of 400 estimated tokens = 89,600 tokens an epoch → ceil(1.5 × params / 89,600)
    // at batch 8 (asked for: auto would pick 2 here, see below)
    const long = Array.from({ length: 224 }, () => exampleOf(1600));
    const tokens = resolveHyperparameters(224, { batch_size: 8 }, { training: long, params });
    expect(tokens.n_epochs).toBe(Math.ceil((TOKENS_PER_PARAM * params) / 89_600));
    expect(tokens.n_epochs).toBeLessThan(20);
    // auto: batch 2, and the step rule at batch 2 (14 epochs) comes before the token rule (17)
    expect(resolveHyperparameters(224, {}, { training: long, params })).toMatchObject({ batch_size: 2, n_epochs: 14 });
    expect(resolveHyperparameters(224, {}, { rule: "steps", training: long, params }).n_epochs).toBe(50);
    // 480 examples of 120 estimated tokens (ticket routing's size): the step rule's 25 epochs stand
    const short = Array.from({ length: 480 }, () => exampleOf(480));
    expect(resolveHyperparameters(480, {}, { training: short, params }).n_epochs).toBe(25);
    // without the examples or the model size, the step rule alone
    expect(resolveHyperparameters(224, {}).n_epochs).toBe(50);
  });

  it("the batch size is 8, 16 or 32 by example count, and the token rule keeps a step within size × 128 tokens", () => {
    expect(STEP_TOKENS_PER_EXAMPLE).toBe(128);
    expect(autoBatchSize(224)).toBe(8);
    expect(autoBatchSize(5, 100)).toBe(5); // never more than the examples
    expect(autoBatchSize(3000)).toBe(16);
    expect(autoBatchSize(20_000)).toBe(32);
    expect(autoBatchSize(224, 115)).toBe(8); // ticket routing: 1,024 / 115 = 8.9
    expect(autoBatchSize(224, 128)).toBe(8);
    expect(autoBatchSize(224, 129)).toBe(7);
    expect(autoBatchSize(224, 409)).toBe(2); // long-tickets: 1,024 / 409 = 2.5
    expect(autoBatchSize(224, 5000)).toBe(1);
    expect(autoBatchSize(3000, 58)).toBe(16); // digits
    expect(autoBatchSize(3000, 400)).toBe(5); // 2,048 / 400
    expect(autoBatchSize(20_000, 400)).toBe(10); // 4,096 / 400
    const params = baseParamCount("local-small");
    // long-tickets' shape: 224 examples of 409 tokens → batch 2 (112 steps an epoch); the step rule's
    // 14 epochs (1,568 steps) come before the token rule's 17
    const long = Array.from({ length: 224 }, () => exampleOf(1636));
    expect(resolveHyperparameters(224, {}, { training: long, params })).toMatchObject({ batch_size: 2, n_epochs: 14 });
    expect(tokenRuleEpochs(409 * 224, params, 224, 2)).toBe(17);
    // the previous rule keeps batch 8 and 50 epochs
    expect(resolveHyperparameters(224, {}, { rule: "steps", training: long, params })).toMatchObject({ batch_size: 8, n_epochs: 50 });
    // ticket routing's shape (120 tokens) keeps batch 8 and 25 epochs
    const short = Array.from({ length: 480 }, () => exampleOf(480));
    expect(resolveHyperparameters(480, {}, { training: short, params })).toMatchObject({ batch_size: 8, n_epochs: 25 });
    // the same rule for every local-* size: local-tiny and local-base on long examples
    expect(resolveHyperparameters(224, {}, { training: long, params: baseParamCount("local-tiny") })).toMatchObject({
      batch_size: 2,
      n_epochs: 14,
    });
    expect(resolveHyperparameters(224, {}, { training: long, params: baseParamCount("local-base") })).toMatchObject({
      batch_size: 2,
      n_epochs: 14,
    });
  });

  it("explicit n_epochs and batch_size win over both rules", () => {
    const long = Array.from({ length: 224 }, () => exampleOf(1600));
    const r = resolveHyperparameters(224, { n_epochs: 40, batch_size: 4 }, { training: long, params: 1_000_000 });
    expect(r).toMatchObject({ n_epochs: 40, batch_size: 4 });
  });

  it("early stopping defaults on with a validation file, off without one or under the step rule", () => {
    expect(AUTO_EARLY_STOPPING_PATIENCE).toBe(3);
    expect(resolveHyperparameters(10, {}, { hasValidation: true }).early_stopping_patience).toBe(3);
    expect(resolveHyperparameters(10, {}, { hasValidation: false }).early_stopping_patience).toBeUndefined();
    expect(resolveHyperparameters(10, {}, { rule: "steps", hasValidation: true }).early_stopping_patience).toBeUndefined();
    expect(resolveHyperparameters(10, { early_stopping_patience: 0 }, { hasValidation: true }).early_stopping_patience).toBeUndefined();
    expect(resolveHyperparameters(10, { early_stopping_patience: 5 }, {}).early_stopping_patience).toBe(5);
  });
});
