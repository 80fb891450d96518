import { describe, expect, it } from "vitest";
import { EvalSettings, evalSampling, isDefaultEvalSettings } from "./eval-settings.ts";

const BASE = { temperature: 0, seed: 0, max_tokens: 256 };

describe("EvalSettings.reasoningEffort", () => {
  it("is sent as reasoning_effort beside the run's other sampling, with trials and a temperature too", () => {
    expect(evalSampling(BASE, EvalSettings.parse({ reasoningEffort: "high" }))).toEqual({ ...BASE, reasoning_effort: "high" });
    expect(evalSampling(BASE, EvalSettings.parse({ reasoningEffort: "low", trials: 3 }))).toEqual({
      ...BASE,
      temperature: 1,
      reasoning_effort: "low",
    });
    expect(evalSampling(BASE, EvalSettings.parse({ reasoningEffort: "xhigh", temperature: 0.5 }))).toEqual({
      ...BASE,
      temperature: 0.5,
      reasoning_effort: "xhigh",
    });
    // the run's own sampling (API `sampling`) keeps its effort unless the settings give another
    expect(evalSampling({ reasoning_effort: "minimal" }, EvalSettings.parse({}))).toEqual({ reasoning_effort: "minimal" });
    expect(evalSampling({ reasoning_effort: "minimal" }, EvalSettings.parse({ reasoningEffort: "medium" }))).toEqual({
      reasoning_effort: "medium",
    });
  });

  it("is part of an experiment's identity: a baseline at one effort is not the same as one at the default", () => {
    expect(isDefaultEvalSettings(EvalSettings.parse({}))).toBe(true);
    expect(isDefaultEvalSettings(EvalSettings.parse({ reasoningEffort: "low" }))).toBe(false);
  });

  it("refuses a level OpenAI does not have, naming the field", () => {
    const parsed = EvalSettings.safeParse({ reasoningEffort: "extreme" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["reasoningEffort"]);
  });
});
