import { describe, expect, it } from "vitest";
import { toEvalItem, toSample } from "../item.ts";
import { jsonEqual } from "./json-compare.ts";
import { parseGraderConfig, runGrader } from "./registry.ts";

const item = toEvalItem(
  {
    messages: [
      { role: "user", content: "Extract" },
      { role: "assistant", content: '{"category":"billing","priority":2,"tags":["card","refund"],"customer":{"name":"Ann"}}' },
    ],
    plain: "not json",
  },
  0,
);
const grade = (config: Record<string, unknown>, output: string, on = item) => runGrader(parseGraderConfig(config), toSample(output), on);

describe("json_valid", () => {
  it("scores 1 for JSON and 0 with a reason otherwise", async () => {
    expect(await grade({ type: "json_valid", name: "j" }, ' {"a": [1, 2]} ')).toEqual({ score: 1, passed: true });
    expect(await grade({ type: "json_valid", name: "j" }, "42")).toEqual({ score: 1, passed: true });
    const bad = await grade({ type: "json_valid", name: "j" }, "{a: 1}");
    expect(bad).toMatchObject({ score: 0, passed: false, reason: expect.stringMatching(/^not valid JSON/) });
    expect(bad.error).toBeUndefined();
  });
});

describe("json_schema", () => {
  const schema = {
    type: "object",
    properties: {
      category: { enum: ["billing", "technical"] },
      priority: { type: "integer", minimum: 1 },
      email: { type: "string", format: "email" },
    },
    required: ["category", "priority"],
    additionalProperties: false,
  };
  const config = { type: "json_schema", name: "s", schema };
  it("passes valid documents", async () => {
    expect(await grade(config, '{"category":"billing","priority":1}')).toEqual({ score: 1, passed: true });
  });
  it("fails with every violation listed", async () => {
    const result = await grade(config, '{"category":"sales","priority":0,"email":"nope","x":1}');
    expect(result.score).toBe(0);
    expect(result.reason).toContain("/category must be equal to one of the allowed values");
    expect(result.reason).toContain("/priority must be >= 1");
    expect(result.reason).toContain('/email must match format "email"');
    expect(result.reason).toContain("must NOT have additional properties");
  });
  it("fails (not errors) on non-JSON output", async () => {
    expect(await grade(config, "billing")).toMatchObject({ score: 0, passed: false, reason: expect.stringMatching(/not valid JSON/) });
  });
  it("supports draft 2020-12 schemas", async () => {
    const prefix = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "array",
      prefixItems: [{ type: "string" }],
      items: false,
    };
    expect(await grade({ ...config, schema: prefix }, '["a"]')).toMatchObject({ score: 1 });
    expect(await grade({ ...config, schema: prefix }, '["a", 1]')).toMatchObject({ score: 0 });
  });
  it("rejects an invalid schema at config time, naming the path", () => {
    expect(() => parseGraderConfig({ ...config, schema: { type: "nonsense" } })).toThrow(/schema: invalid JSON Schema/);
  });
});

describe("json_match", () => {
  const config = { type: "json_match", name: "m" };
  it("compares every top-level field of item.reference_json", async () => {
    const result = await grade(config, '{"priority":2,"category":"billing","tags":["card","refund"],"customer":{"name":"Ann"}}');
    expect(result).toMatchObject({ score: 1, passed: true, subScores: { category: 1, priority: 1, tags: 1, customer: 1 } });
  });
  it("scores the fraction of matching fields, with per-field sub-scores", async () => {
    const result = await grade(config, '{"category":"Billing","priority":3,"tags":["refund","card"],"customer":{"name":"Ann"},"extra":1}');
    expect(result.score).toBe(0.25);
    expect(result.passed).toBe(false);
    expect(result.subScores).toEqual({ category: 0, priority: 0, tags: 0, customer: 1 });
    expect(result.reason).toContain('category: expected "billing", got "Billing"');
  });
  it("has options for case, numeric tolerance, array order and the fields compared", async () => {
    const output = '{"category":" Billing","priority":2.4,"tags":["refund","card"]}';
    const result = await grade(
      {
        ...config,
        case_insensitive: true,
        numeric_tolerance: 0.5,
        ignore_array_order: true,
        fields: ["category", "priority", "tags", "customer.name"],
      },
      output,
    );
    expect(result.subScores).toEqual({ category: 1, priority: 1, tags: 1, "customer.name": 0 });
    expect(result.score).toBe(0.75);
    expect(result.reason).toContain('customer.name: expected "Ann", got missing');
    expect(await grade({ ...config, fields: ["category"], pass_threshold: 1 }, '{"category":"billing"}')).toMatchObject({
      score: 1,
      passed: true,
    });
    expect(await grade({ ...config, pass_threshold: 0.5 }, '{"category":"billing","priority":2}')).toMatchObject({
      score: 0.5,
      passed: true,
    });
  });
  it("fails, never errors, on non-JSON output, with all fields at 0", async () => {
    const result = await grade(config, "category: billing");
    expect(result).toMatchObject({ score: 0, passed: false, subScores: { category: 0, priority: 0, tags: 0, customer: 0 } });
    expect(result.error).toBeUndefined();
    expect(result.reason).toMatch(/output is not JSON/);
    const viaOutputJson = await grade({ ...config, input: "{{sample.output_json}}" }, "nope");
    expect(viaOutputJson).toMatchObject({ score: 0, passed: false });
    expect(viaOutputJson.error).toBeUndefined();
  });
  it("takes an explicit reference template and compares non-object values whole", async () => {
    const listed = toEvalItem({ messages: [{ role: "user", content: "x" }], labels: ["a", "b"] }, 0);
    const whole = { ...config, reference: "{{item.labels}}" };
    expect(await grade(whole, '["a","b"]', listed)).toMatchObject({ score: 1, subScores: { $: 1 } });
    expect(await grade(whole, '["b","a"]', listed)).toMatchObject({ score: 0, subScores: { $: 0 } });
    expect(await grade({ ...whole, ignore_array_order: true }, '["b","a"]', listed)).toMatchObject({ score: 1 });
    expect(
      await grade({ ...config, reference: '{"category": "{{item.reference_json.category}}"}' }, '{"category":"billing"}'),
    ).toMatchObject({
      score: 1,
      subScores: { category: 1 },
    });
  });
  it("errors with invalid_variable_error when the item has no reference JSON", async () => {
    const plain = toEvalItem(
      {
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: "plain text" },
        ],
      },
      0,
    );
    const result = await grade(config, "{}", plain);
    expect(result.error).toMatchObject({ type: "invalid_variable_error", message: expect.stringContaining("item.reference_json") });
  });
});

describe("jsonEqual", () => {
  it("compares deeply, objects as key sets", () => {
    expect(jsonEqual({ a: [1, { b: null }], c: "x" }, { c: "x", a: [1, { b: null }] })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual([1, 2, 2], [2, 1, 1], { ignore_array_order: true })).toBe(false);
    expect(jsonEqual([1, 2, 2], [2, 2, 1], { ignore_array_order: true })).toBe(true);
    expect(jsonEqual(1, "1")).toBe(false);
    expect(jsonEqual(null, null)).toBe(true);
  });
});
