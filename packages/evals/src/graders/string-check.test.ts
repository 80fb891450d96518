import { describe, expect, it } from "vitest";
import { toEvalItem, toSample } from "../item.ts";
import { parseGraderConfig, runGrader } from "./registry.ts";

const item = toEvalItem(
  {
    messages: [
      { role: "user", content: "Classify" },
      { role: "assistant", content: "Billing" },
    ],
    expected: "billing",
  },
  0,
);

async function check(operation: string, output: string, reference = "{{item.reference}}") {
  const config = parseGraderConfig({ type: "string_check", name: "s", input: "{{sample.output_text}}", reference, operation });
  return runGrader(config, toSample(output), item);
}

describe("string_check", () => {
  it("eq is exact and case-sensitive", async () => {
    expect(await check("eq", "Billing")).toMatchObject({ score: 1, passed: true });
    expect(await check("eq", "billing")).toMatchObject({ score: 0, passed: false });
    expect(await check("eq", "Billing ")).toMatchObject({ score: 0, passed: false });
  });

  it("ne is the negation of eq", async () => {
    expect(await check("ne", "Billing")).toMatchObject({ score: 0, passed: false });
    expect(await check("ne", "Technical")).toMatchObject({ score: 1, passed: true });
  });

  it("like is a case-sensitive contains", async () => {
    expect(await check("like", "Category: Billing.")).toMatchObject({ score: 1, passed: true });
    expect(await check("like", "category: billing.")).toMatchObject({ score: 0, passed: false });
  });

  it("ilike is a case-insensitive contains", async () => {
    expect(await check("ilike", "category: BILLING.")).toMatchObject({ score: 1, passed: true });
    expect(await check("ilike", "category: bill")).toMatchObject({ score: 0, passed: false });
    expect(await check("ilike", "The BILLING team", "{{item.expected}}")).toMatchObject({ score: 1, passed: true });
  });

  it("errors with invalid_variable_error on a missing variable, never a failed grade", async () => {
    const grade = await check("eq", "Billing", "{{item.label}}");
    expect(grade).toMatchObject({ score: 0, passed: false, error: { type: "invalid_variable_error" } });
    expect(grade.error?.message).toContain("item.label");
  });
});
