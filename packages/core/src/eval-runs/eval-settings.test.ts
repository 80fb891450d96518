import { describe, expect, it } from "vitest";
import {
  EvalSettings,
  evalIdentity,
  evalSampling,
  graderDeadline,
  isDefaultEvalSettings,
  modelGraderSettings,
  parseEvalSettings,
} from "./eval-settings.ts";

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

describe("EvalSettings.graderTimeoutSeconds and graderAttempts", () => {
  it("default to 60 s and 3 attempts, and become evals' model-grader settings in whole milliseconds", () => {
    expect(graderDeadline(EvalSettings.parse({}))).toEqual({ graderTimeoutSeconds: 60, graderAttempts: 3 });
    expect(modelGraderSettings(graderDeadline(EvalSettings.parse({})))).toEqual({ timeoutMs: 60_000, maxAttempts: 3 });
    const slow = EvalSettings.parse({ graderTimeoutSeconds: 0.2, graderAttempts: 1 });
    expect(modelGraderSettings(graderDeadline(slow))).toEqual({ timeoutMs: 200, maxAttempts: 1 });
    expect(modelGraderSettings({ graderTimeoutSeconds: 3600, graderAttempts: 10 })).toEqual({ timeoutMs: 3_600_000, maxAttempts: 10 });
    expect(modelGraderSettings({ graderTimeoutSeconds: 0.001, graderAttempts: 1 })).toEqual({ timeoutMs: 1, maxAttempts: 1 });
  });

  it("are not part of an experiment's identity: they say how long to wait, not what is measured", () => {
    const settings = EvalSettings.parse({ trials: 2, graderTimeoutSeconds: 120, graderAttempts: 5 });
    expect(evalIdentity(settings)).toEqual({ trials: 2 });
    expect(isDefaultEvalSettings(EvalSettings.parse({ graderTimeoutSeconds: 120 }))).toBe(true);
  });

  it("refuse bad values naming the field and what was expected", () => {
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{ graderTimeoutSeconds: 0 }, "graderTimeoutSeconds: expected a number of seconds above 0 (at least 0.001), got 0"],
      [{ graderTimeoutSeconds: -5 }, "graderTimeoutSeconds: expected a number of seconds above 0 (at least 0.001), got -5"],
      [{ graderTimeoutSeconds: 3600.5 }, "graderTimeoutSeconds: expected at most 3600 seconds (an hour), got 3600.5"],
      [{ graderTimeoutSeconds: null }, "graderTimeoutSeconds: expected a number of seconds, got null"],
      [{ graderAttempts: 0 }, "graderAttempts: expected a whole number from 1 to 10, got 0"],
      [{ graderAttempts: 11 }, "graderAttempts: expected a whole number from 1 to 10, got 11"],
      [{ graderAttempts: 1.5 }, "graderAttempts: expected a whole number from 1 to 10, got 1.5"],
      [{ graderAttempts: "3" }, 'graderAttempts: expected a whole number of attempts, got "3"'],
      [{ graderTimeout: 30 }, "graderTimeout: not a setting of an eval run, got 30"],
    ];
    for (const [input, message] of refusals) {
      expect(() => parseEvalSettings(input)).toThrow(`${message}; nothing was done`);
      const parsed = EvalSettings.safeParse(input);
      expect(parsed.success).toBe(false);
    }
    expect(parseEvalSettings({ graderTimeoutSeconds: 3600, graderAttempts: 10 })).toEqual({
      trials: 1,
      graderTimeoutSeconds: 3600,
      graderAttempts: 10,
    });
  });
});
