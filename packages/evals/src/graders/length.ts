import { z } from "zod";
import type { Grade } from "../grade.ts";
import { renderTemplate } from "../template/render.ts";
import { configObject } from "./config-object.ts";
import { graderName, template } from "./fields.ts";
import type { Grader } from "./grader.ts";

/**
 * `length`: 1 when the rendered `input` is within [min, max] (inclusive) in `unit`: `chars` (Unicode code points,
 * default) or `tokens` (whitespace-separated words; not a model tokenizer).
 */
export const LengthConfig = configObject({
  type: z.literal("length"),
  name: graderName,
  input: template.default("{{sample.output_text}}"),
  unit: z.enum(["chars", "tokens"]).default("chars"),
  min: z.number().int().min(0).optional(),
  max: z.number().int().min(0).optional(),
})
  .refine((c) => c.min !== undefined || c.max !== undefined, { message: "set min, max or both", path: ["min"] })
  .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, { message: "min must be <= max", path: ["max"] });
export type LengthConfig = z.infer<typeof LengthConfig>;

export function measure(text: string, unit: LengthConfig["unit"]): number {
  if (unit === "chars") return [...text].length;
  const trimmed = text.trim();
  return trimmed === "" ? 0 : trimmed.split(/\s+/).length;
}

export const lengthGrader: Grader<LengthConfig> = {
  type: "length",
  config: LengthConfig,
  async grade(config, sample, item): Promise<Grade> {
    const size = measure(renderTemplate(config.input, { item, sample }), config.unit);
    const passed = (config.min === undefined || size >= config.min) && (config.max === undefined || size <= config.max);
    const bounds = `[${config.min ?? 0}, ${config.max ?? "∞"}]`;
    return { score: passed ? 1 : 0, passed, reason: `${size} ${config.unit} ${passed ? "within" : "outside"} ${bounds}` };
  },
};
