import { z } from "zod";
import type { Grade } from "../grade.ts";
import { renderTemplate } from "../template/render.ts";
import { configObject } from "./config-object.ts";
import { graderName, template } from "./fields.ts";
import type { Grader } from "./grader.ts";

/** OpenAI's `string_check`: eq / ne exact comparison, like / ilike = case-sensitive / insensitive "contains". */
export const StringCheckConfig = configObject({
  type: z.literal("string_check"),
  name: graderName,
  input: template,
  reference: template,
  operation: z.enum(["eq", "ne", "like", "ilike"]),
});
export type StringCheckConfig = z.infer<typeof StringCheckConfig>;

export function stringCheck(operation: StringCheckConfig["operation"], input: string, reference: string): boolean {
  switch (operation) {
    case "eq":
      return input === reference;
    case "ne":
      return input !== reference;
    case "like":
      return input.includes(reference);
    case "ilike":
      return input.toLowerCase().includes(reference.toLowerCase());
  }
}

export const stringCheckGrader: Grader<StringCheckConfig> = {
  type: "string_check",
  config: StringCheckConfig,
  async grade(config, sample, item): Promise<Grade> {
    const scope = { item, sample };
    const input = renderTemplate(config.input, scope);
    const reference = renderTemplate(config.reference, scope);
    const passed = stringCheck(config.operation, input, reference);
    return {
      score: passed ? 1 : 0,
      passed,
      reason: `${JSON.stringify(clip(input))} ${config.operation} ${JSON.stringify(clip(reference))}`,
    };
  },
};

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
