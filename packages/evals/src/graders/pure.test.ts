// Which graders may be graded in a worker thread of the runner's grading pool: only those computed from the sample and
// the item alone. Code graders keep their own isolation, model graders need the provider's client.
import { describe, expect, it } from "vitest";
import { isPureGrader, mayBacktrack } from "./pure.ts";
import { bindGrader, parseGraderConfig } from "./registry.ts";

const OUT = "{{sample.output_text}}";
const REF = "{{item.reference}}";
const configs = {
  eq: { type: "string_check", name: "eq", input: OUT, reference: REF, operation: "eq" },
  bleu: { type: "text_similarity", name: "bleu", input: OUT, reference: REF, evaluation_metric: "bleu", pass_threshold: 0.5 },
  cosine: { type: "text_similarity", name: "cosine", input: OUT, reference: REF, evaluation_metric: "cosine", pass_threshold: 0.5 },
  json: { type: "json_valid", name: "json" },
  py: { type: "python", name: "py", source: "def grade(s, i): return 1.0" },
  custom: { type: "custom", name: "custom", path: "grader.ts" },
  label: {
    type: "label_model",
    name: "label",
    model: "m",
    input: [{ role: "user", content: OUT }],
    labels: ["a", "b"],
    passing_labels: ["a"],
  },
} as const;
const parsed = (key: keyof typeof configs) => parseGraderConfig(configs[key]);
const multi = (...keys: (keyof typeof configs)[]) =>
  parseGraderConfig({
    type: "multi",
    name: "multi",
    graders: Object.fromEntries(keys.map((k) => [k, configs[k]])),
    calculate_output: keys.join(" + "),
  });

describe("isPureGrader", () => {
  it("is true for graders computed from the sample and item alone, false for code, model and embedding graders", () => {
    expect(["eq", "bleu", "json"].map((k) => isPureGrader(parsed(k as keyof typeof configs)))).toEqual([true, true, true]);
    expect(["cosine", "py", "custom", "label"].map((k) => isPureGrader(parsed(k as keyof typeof configs)))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it("is true for a multi only when every grader in it is", () => {
    expect(isPureGrader(multi("eq", "bleu"))).toBe(true);
    expect(isPureGrader(multi("eq", "py"))).toBe(false);
    expect(isPureGrader(multi("bleu", "custom"))).toBe(false);
  });

  it("decides which bound graders carry their config (what the runner may grade in its pool)", () => {
    expect(bindGrader(parsed("eq")).config).toEqual(parsed("eq"));
    expect(bindGrader(parsed("custom")).config).toBeUndefined();
    expect(bindGrader(parsed("py")).config).toBeUndefined();
    expect(bindGrader(multi("eq", "label")).config).toBeUndefined();
  });
});

describe("mayBacktrack", () => {
  it("holds for regex graders and JSON Schemas with a pattern, not for other schemas", () => {
    const schema = (s: Record<string, unknown>) => parseGraderConfig({ type: "json_schema", name: "s", schema: s });
    expect(mayBacktrack(parseGraderConfig({ type: "regex", name: "r", pattern: "^a$" }))).toBe(true);
    expect(mayBacktrack(schema({ type: "object", properties: { code: { type: "string", pattern: "^a+$" } } }))).toBe(true);
    expect(mayBacktrack(schema({ type: "object", patternProperties: { "^x": { type: "string" } } }))).toBe(true);
    expect(mayBacktrack(schema({ type: "object", required: ["category"] }))).toBe(false);
  });
});
