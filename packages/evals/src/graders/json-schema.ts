import type { ErrorObject } from "ajv";
import { z } from "zod";
import type { Grade } from "../grade.ts";
import { renderTemplate } from "../template/render.ts";
import { configObject } from "./config-object.ts";
import { graderName, template } from "./fields.ts";
import type { Grader } from "./grader.ts";
import { tryParseJson } from "./json-compare.ts";
import { compileSchema } from "./json-schema-compile.ts";

export { compileSchema, MAX_COMPILED_SCHEMAS, schemaCacheSizes } from "./json-schema-compile.ts";

export const JsonSchemaConfig = configObject({
  type: z.literal("json_schema"),
  name: graderName,
  input: template.default("{{sample.output_text}}"),
  schema: z.record(z.string(), z.unknown()),
}).superRefine((config, ctx) => {
  try {
    compileSchema(config.schema);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `invalid JSON Schema: ${(error as Error).message}`, path: ["schema"] });
  }
});
export type JsonSchemaConfig = z.infer<typeof JsonSchemaConfig>;

export function describeErrors(errors: readonly ErrorObject[] | null | undefined, limit = 5): string {
  const list = (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}`);
  return list.length > limit ? `${list.slice(0, limit).join("; ")}; … ${list.length - limit} more` : list.join("; ");
}

/** `json_schema`: 1 when the rendered `input` (default the output text) is JSON that satisfies `schema`, else 0. */
export const jsonSchemaGrader: Grader<JsonSchemaConfig> = {
  type: "json_schema",
  config: JsonSchemaConfig,
  async grade(config, sample, item): Promise<Grade> {
    const parsed = tryParseJson(renderTemplate(config.input, { item, sample }));
    if (!parsed.ok) return { score: 0, passed: false, reason: `not valid JSON: ${parsed.error}` };
    const validate = compileSchema(config.schema);
    if (validate(parsed.value)) return { score: 1, passed: true };
    return { score: 0, passed: false, reason: `schema violations: ${describeErrors(validate.errors)}` };
  },
};
