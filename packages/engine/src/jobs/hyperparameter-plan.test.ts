// The plan the scheduler stores for a job and `exp create --dry-run` shows: the from-scratch rule for local-* sizes
// (and models tuned from them), LoRA's rule for open-weight bases, and where each value comes from.
import { describe, expect, it } from "vitest";
import { resolveLoraHyperparameters } from "../hf/lora/hyperparameters.ts";
import { resolveHyperparameters } from "../trainer/hyperparameters.ts";
import { baseParamCount } from "../trainer/model/sizes.ts";
import { planHyperparameters } from "./hyperparameter-plan.ts";

const ticket = (i: number) => ({
  messages: [
    { role: "system", content: "Route the ticket to a queue." },
    { role: "user", content: `My invoice number ${i} was charged twice this month, please help.` },
    { role: "assistant", content: '{"queue":"billing"}' },
  ],
});
const training = Array.from({ length: 480 }, (_, i) => ticket(i));

describe("planHyperparameters", () => {
  it("resolves a local-* base by the token and step rules, saying which rule chose each value", () => {
    const plan = planHyperparameters({
      base: { baseName: "local-small", openWeight: false },
      method: "supervised",
      count: training.length,
      training,
      hasValidation: false,
      requested: { learning_rate_multiplier: 2 },
    });
    expect(plan.hyperparameters).toEqual(
      resolveHyperparameters(480, { learning_rate_multiplier: 2 }, { training, params: baseParamCount("local-small") }),
    );
    expect(plan.hyperparameters).toMatchObject({ n_epochs: 25, batch_size: 8, prompt_loss_weight: 0.1 });
    expect(plan.from.n_epochs).toBe("auto: the step rule: 1,500 optimizer steps at 60 an epoch, within 1–50 epochs");
    expect(plan.from.batch_size).toBe("auto: 8 below 2,000 examples");
    expect(plan.from.learning_rate_multiplier).toBe("requested");
    expect(plan.from.early_stopping_patience).toBe("auto: off (no validation file)");
  });

  it("turns early stopping on with a validation file and sets DPO's beta", () => {
    const base = { baseName: "local-tiny", openWeight: false };
    const withValidation = planHyperparameters({ base, method: "supervised", count: 480, training, hasValidation: true, requested: {} });
    expect(withValidation.hyperparameters.early_stopping_patience).toBe(3);
    expect(withValidation.from.early_stopping_patience).toMatch(/^auto: 3 validations/);
    const dpo = planHyperparameters({ base, method: "dpo", count: 40, hasValidation: true, requested: {} });
    expect(dpo.hyperparameters).toEqual({ ...resolveHyperparameters(40, {}, { params: baseParamCount("local-tiny") }), beta: 0.1 });
    expect(dpo.from.early_stopping_patience).toBe("auto: off (DPO)");
  });

  it("uses LoRA's rule for an open-weight base (or a model tuned from one)", () => {
    const plan = planHyperparameters({
      base: { baseName: "SmolLM2-135M-Instruct", openWeight: true },
      method: "supervised",
      count: 20,
      training: training.slice(0, 20),
      hasValidation: false,
      requested: { lora_rank: 8 },
    });
    expect(plan.hyperparameters).toEqual(resolveLoraHyperparameters(20, { lora_rank: 8 }));
    expect(plan.hyperparameters).toMatchObject({ n_epochs: 5, batch_size: 4, training_type: "lora", lora_rank: 8 });
    expect(plan.from.n_epochs).toMatch(/^auto: OpenAI's rule/);
    expect(plan.from.lora_rank).toBe("requested");
    expect(plan.from.lora_alpha).toBe("auto: 32 (2 × r)");
  });

  it("holds an open-weight base in 8 bits under auto when it takes more than half of the memory, and says why", () => {
    const base = {
      baseName: "Mistral-7B",
      openWeight: true,
      weights: { asStored: 13.5 * 1024 ** 3, q8: 7.6 * 1024 ** 3, q4: 4.2 * 1024 ** 3, params: 7.2e9 },
    };
    const plan = (requested: Record<string, unknown>, memoryBytes: number) =>
      planHyperparameters({
        base,
        method: "supervised",
        count: 40,
        training: training.slice(0, 40),
        hasValidation: false,
        requested,
        memoryBytes,
      });
    const laptop = plan({}, 16 * 1024 ** 3);
    expect(laptop.hyperparameters.base_quantization).toBe("q8_0");
    expect(laptop.from.base_quantization).toBe(
      "auto: q8_0: the base takes 13.5 GiB as stored, more than 50% of this machine's 16.0 GiB of memory; in 8 bits 7.6 GiB",
    );
    expect(laptop.warnings).toEqual([]);
    const server = plan({}, 64 * 1024 ** 3);
    expect(server.hyperparameters.base_quantization).toBe("none");
    expect(server.from.base_quantization).toMatch(/^auto: none: the base takes 13.5 GiB as stored, within 50%/);
    // asked for: kept, with a warning when the base as held is more than half of the memory
    const asked = plan({ base_quantization: "none" }, 16 * 1024 ** 3);
    expect(asked.hyperparameters.base_quantization).toBe("none");
    expect(asked.from.base_quantization).toBe("requested");
    expect(asked.warnings).toEqual([expect.stringMatching(/13\.5 GiB as stored, more than half .* Consider base_quantization q8_0/)]);
    // an 8 GiB laptop: 8 bits take more than half too, so 4 bits, which still do (a warning)
    const small = plan({}, 8 * 1024 ** 3);
    expect(small.hyperparameters.base_quantization).toBe("q4_0");
    expect(small.from.base_quantization).toBe(
      "auto: q4_0: the base takes 13.5 GiB as stored, more than 50% of this machine's 8.0 GiB of memory, and 7.6 GiB in 8 bits; in 4 bits 4.2 GiB",
    );
    expect(small.warnings).toEqual([expect.stringMatching(/4\.2 GiB in 4 bits, .* Consider a smaller model\.$/)]);
    expect(plan({}, 12 * 1024 ** 3).warnings).toEqual([]);
    expect(plan({ base_quantization: "q8_0" }, 8 * 1024 ** 3).warnings).toEqual([
      expect.stringMatching(/7\.6 GiB in 8 bits, more than half of this machine's 8\.0 GiB/),
    ]);
    // full fine-tuning: 16 bytes a parameter
    const full = plan({ training_type: "full" }, 64 * 1024 ** 3);
    expect(full.hyperparameters).not.toHaveProperty("base_quantization");
    expect(full.warnings).toEqual([expect.stringMatching(/^Full fine-tuning .* 107 GiB, more than half of this machine's 64\.0 GiB/)]);
    // continuing an adapter trained on the 8-bit base keeps it in 8 bits
    const continued = planHyperparameters({
      base: { ...base, continues: "q8_0" as const },
      method: "supervised",
      count: 40,
      hasValidation: false,
      requested: {},
      memoryBytes: 1024 ** 4,
    });
    expect(continued.hyperparameters.base_quantization).toBe("q8_0");
    expect(continued.from.base_quantization).toMatch(/adapter being continued/);
  });
});
