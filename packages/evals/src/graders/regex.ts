import { z } from "zod";
import type { Grade } from "../grade.ts";
import { renderTemplate } from "../template/render.ts";
import { configObject } from "./config-object.ts";
import { graderName, template } from "./fields.ts";
import type { Grader } from "./grader.ts";

/** `regex`: 1 when `pattern` (JavaScript syntax, with `flags`) matches the rendered `input`; `negate` inverts. */
export const RegexConfig = configObject({
  type: z.literal("regex"),
  name: graderName,
  input: template.default("{{sample.output_text}}"),
  pattern: z.string().min(1),
  flags: z
    .string()
    .regex(/^(?!.*(.).*\1)[imsuv]*$/, "flags may only be i, m, s, u, v, each once")
    .optional(),
  negate: z.boolean().optional(),
}).superRefine((config, ctx) => {
  try {
    new RegExp(config.pattern, config.flags);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message, path: ["pattern"] });
  }
});
export type RegexConfig = z.infer<typeof RegexConfig>;

export const regexGrader: Grader<RegexConfig> = {
  type: "regex",
  config: RegexConfig,
  async grade(config, sample, item): Promise<Grade> {
    const input = renderTemplate(config.input, { item, sample });
    const matched = new RegExp(config.pattern, config.flags).test(input);
    const passed = config.negate ? !matched : matched;
    return { score: passed ? 1 : 0, passed, reason: `/${config.pattern}/${config.flags ?? ""} ${matched ? "matches" : "does not match"}` };
  },
};
