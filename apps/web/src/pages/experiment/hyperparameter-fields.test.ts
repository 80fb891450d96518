// What the new-experiment form sends for the hyperparameters typed into it.
import { describe, expect, it } from "vitest";
import { inputValue, LORA_TARGETS, requestedHyperparameters } from "./hyperparameter-fields.ts";

describe("the form's hyperparameters", () => {
  it("sends nothing for empty or auto, a number when the text reads as one, and the text as typed otherwise", () => {
    expect(inputValue("")).toBeUndefined();
    expect(inputValue(" AUTO ")).toBeUndefined();
    expect(inputValue("3")).toBe(3);
    expect(inputValue("0.5")).toBe(0.5);
    expect(inputValue("1e-1")).toBe(0.1);
    // the API refuses it and names the field
    expect(inputValue("fast")).toBe("fast");
  });

  it("keeps only what applies: the method's own key, LoRA on open-weight bases, none of it with training type full", () => {
    const typed = {
      n_epochs: "2",
      batch_size: "",
      learning_rate_multiplier: "auto",
      prompt_loss_weight: "0.2",
      beta: "0.3",
      lora_rank: "8",
    };
    expect(requestedHyperparameters(typed, { method: "supervised", lora: false, trainingType: "auto", targets: ["q_proj"] })).toEqual({
      n_epochs: 2,
      prompt_loss_weight: 0.2,
    });
    expect(requestedHyperparameters(typed, { method: "dpo", lora: true, trainingType: "auto", targets: ["v_proj", "q_proj"] })).toEqual({
      n_epochs: 2,
      beta: 0.3,
      lora_rank: 8,
      lora_target_modules: ["v_proj", "q_proj"],
    });
    // an open-weight base takes no prompt loss weight (the engine refuses one), whatever its training type
    expect(requestedHyperparameters(typed, { method: "supervised", lora: true, trainingType: "full", targets: ["q_proj"] })).toEqual({
      n_epochs: 2,
      training_type: "full",
    });
    expect(
      requestedHyperparameters(
        { ...typed, early_stopping_patience: "2" },
        { method: "supervised", lora: true, trainingType: "lora", targets: [...LORA_TARGETS] },
      ),
    ).toEqual({ n_epochs: 2, early_stopping_patience: 2, lora_rank: 8, training_type: "lora", lora_target_modules: "all-linear" });
    // every projection ticked is PEFT's all-linear
    expect(requestedHyperparameters({}, { method: "supervised", lora: true, trainingType: "lora", targets: [...LORA_TARGETS] })).toEqual({
      training_type: "lora",
      lora_target_modules: "all-linear",
    });
  });
});
