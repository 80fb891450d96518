import { z } from "zod";
import { type Grade, GraderError } from "../grade.ts";
import type { EvalItem, Sample } from "../item.ts";
import { lookup, parsePath } from "../template/path.ts";
import { resolveTemplate } from "../template/render.ts";
import { configObject } from "./config-object.ts";
import { graderName, passThreshold, template } from "./fields.ts";
import type { Grader } from "./grader.ts";
import { isObject, JsonCompareOptions, jsonEqual, tryParseJson } from "./json-compare.ts";

/**
 * `json_match`: per-field comparison of the output's JSON with a reference JSON (extraction, routing). Each field
 * scores 1 or 0 (in `subScores`); the score is the fraction of matching fields; passes at `pass_threshold`
 * (default 1, every field right).
 */
export const JsonMatchConfig = configObject({
  type: z.literal("json_match"),
  name: graderName,
  /** What to parse as the output JSON (default the output text). */
  input: template.default("{{sample.output_text}}"),
  /** The expected JSON (default `{{item.reference_json}}`, the reference answer parsed). */
  reference: template.default("{{item.reference_json}}"),
  /** Field paths to compare (`category`, `address.city`, `items[0]`); default every top-level key of the reference. */
  fields: z.array(z.string().min(1)).min(1).optional(),
  ...JsonCompareOptions.shape,
  pass_threshold: passThreshold.optional(),
});
export type JsonMatchConfig = z.infer<typeof JsonMatchConfig>;

/** A template's value as JSON: a lone variable gives its raw value, text is parsed. */
function asJson(value: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  return typeof value === "string" ? tryParseJson(value) : { ok: true, value };
}

function readOutput(config: JsonMatchConfig, sample: Sample, item: EvalItem): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return asJson(resolveTemplate(config.input, { item, sample }));
  } catch (error) {
    if (error instanceof GraderError && error.type === "sample_parse_error") return { ok: false, error: error.message };
    throw error;
  }
}

function readReference(config: JsonMatchConfig, sample: Sample, item: EvalItem): unknown {
  const raw = resolveTemplate(config.reference, { item, sample });
  const parsed = asJson(raw);
  return parsed.ok ? parsed.value : raw;
}

function fieldsOf(config: JsonMatchConfig, reference: unknown): string[] {
  if (config.fields) return config.fields;
  if (isObject(reference)) return Object.keys(reference);
  return ["$"];
}

function at(root: unknown, field: string): unknown {
  if (field === "$") return root;
  return lookup(root, parsePath(field).segments);
}

function show(value: unknown): string {
  if (value === undefined) return "missing";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export const jsonMatchGrader: Grader<JsonMatchConfig> = {
  type: "json_match",
  config: JsonMatchConfig,
  async grade(config, sample, item): Promise<Grade> {
    const reference = readReference(config, sample, item);
    const fields = fieldsOf(config, reference);
    const threshold = config.pass_threshold ?? 1;
    const output = readOutput(config, sample, item);
    if (!output.ok) {
      const subScores = Object.fromEntries(fields.map((f) => [f, 0]));
      return { score: 0, passed: false, reason: `output is not JSON: ${output.error}`, subScores };
    }
    const subScores: Record<string, number> = {};
    const misses: string[] = [];
    for (const field of fields) {
      const expected = at(reference, field);
      const actual = at(output.value, field);
      const same = expected === undefined ? actual === undefined : actual !== undefined && jsonEqual(actual, expected, config);
      subScores[field] = same ? 1 : 0;
      if (!same) misses.push(`${field}: expected ${show(expected)}, got ${show(actual)}`);
    }
    const score = fields.length === 0 ? 1 : (fields.length - misses.length) / fields.length;
    const summary = `${fields.length - misses.length}/${fields.length} fields match`;
    return { score, passed: score >= threshold, reason: misses.length ? `${summary}; ${misses.join("; ")}` : summary, subScores };
  },
};
