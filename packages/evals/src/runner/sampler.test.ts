import { describe, expect, it } from "vitest";
import { GraderSamplingParams } from "../graders/model-call.ts";
import { REASONING_EFFORTS } from "./reasoning-effort.ts";
import { SamplingParams } from "./sampler.ts";

describe("SamplingParams.reasoning_effort", () => {
  it("keeps every OpenAI level, the same ones a model grader's sampling_params take", () => {
    for (const effort of REASONING_EFFORTS) {
      expect(SamplingParams.parse({ reasoning_effort: effort })).toEqual({ reasoning_effort: effort });
      expect(GraderSamplingParams.parse({ reasoning_effort: effort }).reasoning_effort).toBe(effort);
    }
  });

  it("refuses a level OpenAI does not have, naming the field and the levels", () => {
    const parsed = SamplingParams.safeParse({ temperature: 0, reasoning_effort: "extreme" });
    expect(parsed.success).toBe(false);
    const issue = parsed.error?.issues[0];
    expect(issue?.path).toEqual(["reasoning_effort"]);
    expect(issue?.message).toContain('"none"|"minimal"|"low"|"medium"|"high"|"xhigh"|"max"');
  });
});
