import { createRequire } from "node:module";
import type { Ajv, ErrorObject, ValidateFunction } from "ajv";
import type { Ajv2020 } from "ajv/dist/2020.js";
import { z } from "zod";
import type { Grade } from "../grade.ts";
import { renderTemplate } from "../template/render.ts";
import { configObject } from "./config-object.ts";
import { graderName, template } from "./fields.ts";
import type { Grader } from "./grader.ts";
import { tryParseJson } from "./json-compare.ts";

/**
 * Validators are compiled once per schema text. Draft 2020-12 when the schema's `$schema` says so, else draft-07
 * (ajv's default, which also reads draft-06 and most draft-04 schemas). Formats (date, email, uri, …) are checked.
 */
const compiled = new Map<string, ValidateFunction>();
let draft07: Ajv | undefined;
let draft2020: Ajv2020 | undefined;
/** ajv (CommonJS) is loaded the first time a schema is compiled: most runs have no json_schema grader. */
const require = createRequire(import.meta.url);

export function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached) return cached;
  const is2020 = typeof schema.$schema === "string" && schema.$schema.includes("2020-12");
  const options = { allErrors: true, strict: false } as const;
  let ajv: Ajv;
  if (is2020) {
    draft2020 ??= withFormats(new (require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js")).Ajv2020(options));
    ajv = draft2020;
  } else {
    draft07 ??= withFormats(new (require("ajv") as typeof import("ajv")).Ajv(options));
    ajv = draft07;
  }
  const validate = ajv.compile(schema);
  compiled.set(key, validate);
  return validate;
}

function withFormats<T extends Ajv>(ajv: T): T {
  (require("ajv-formats") as (ajv: Ajv) => Ajv)(ajv);
  return ajv;
}

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
