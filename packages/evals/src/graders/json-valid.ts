import { z } from "zod";
import type { Grade } from "../grade.ts";
import { renderTemplate } from "../template/render.ts";
import { configObject } from "./config-object.ts";
import { graderName, template } from "./fields.ts";
import type { Grader } from "./grader.ts";
import { tryParseJson } from "./json-compare.ts";

/** `json_valid`: 1 when the rendered `input` (default the output text) parses as JSON, else 0. */
export const JsonValidConfig = configObject({
  type: z.literal("json_valid"),
  name: graderName,
  input: template.default("{{sample.output_text}}"),
});
export type JsonValidConfig = z.infer<typeof JsonValidConfig>;

export const jsonValidGrader: Grader<JsonValidConfig> = {
  type: "json_valid",
  config: JsonValidConfig,
  async grade(config, sample, item): Promise<Grade> {
    const parsed = tryParseJson(renderTemplate(config.input, { item, sample }));
    return parsed.ok ? { score: 1, passed: true } : { score: 0, passed: false, reason: `not valid JSON: ${parsed.error}` };
  },
};
