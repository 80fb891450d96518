import { z } from "zod";
import { type Grade, GraderError } from "../grade.ts";
import { resolveTemplate } from "../template/render.ts";
import { configObject } from "./config-object.ts";
import { graderName, template } from "./fields.ts";
import type { Grader } from "./grader.ts";

/**
 * `numeric`: the output's number equals the reference within tolerance: |output - reference| <= max(abs, rel *
 * |reference|). `extract` picks a number out of text ("The answer is 42."): `strict` (default) needs the whole
 * input to be a number; `first` / `last` take the first / last number found. Thousands separators are ignored.
 */
export const NumericConfig = configObject({
  type: z.literal("numeric"),
  name: graderName,
  input: template.default("{{sample.output_text}}"),
  reference: template.default("{{item.reference}}"),
  tolerance: configObject({ abs: z.number().min(0).optional(), rel: z.number().min(0).optional() }).default({}),
  extract: z.enum(["strict", "first", "last"]).default("strict"),
});
export type NumericConfig = z.infer<typeof NumericConfig>;

const NUMBER = /[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?/g;
const DEFAULT_ABS = 1e-9;

/** The number in `value`, or `undefined`. */
export function readNumber(value: unknown, extract: NumericConfig["extract"]): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  const candidates = [...text.matchAll(NUMBER)].map((m) => m[0]).filter((m) => /\d/.test(m));
  const pick =
    extract === "strict" ? (candidates[0] === text ? candidates[0] : undefined) : extract === "first" ? candidates[0] : candidates.at(-1);
  if (pick === undefined) return undefined;
  const number = Number(pick.replaceAll(",", ""));
  return Number.isFinite(number) ? number : undefined;
}

export const numericGrader: Grader<NumericConfig> = {
  type: "numeric",
  config: NumericConfig,
  async grade(config, sample, item): Promise<Grade> {
    const scope = { item, sample };
    const referenceValue = resolveTemplate(config.reference, scope);
    const reference = readNumber(referenceValue, "strict");
    if (reference === undefined) {
      throw new GraderError(
        "invalid_variable_error",
        `numeric "${config.name}": reference ${JSON.stringify(referenceValue)} is not a number`,
      );
    }
    const inputValue = resolveTemplate(config.input, scope);
    const output = readNumber(inputValue, config.extract);
    if (output === undefined) {
      return {
        score: 0,
        passed: false,
        reason: `output ${JSON.stringify(String(inputValue).slice(0, 80))} has no number (${config.extract})`,
      };
    }
    const allowed = Math.max(config.tolerance.abs ?? DEFAULT_ABS, (config.tolerance.rel ?? 0) * Math.abs(reference));
    // A few ulps of slack so that 20 vs 19.99 is within 0.01 despite binary floating point.
    const slack = 4 * Number.EPSILON * Math.max(1, Math.abs(output), Math.abs(reference));
    const passed = Math.abs(output - reference) <= allowed + slack;
    return { score: passed ? 1 : 0, passed, reason: `${output} ${passed ? "≈" : "≠"} ${reference} (tolerance ${allowed})` };
  },
};
