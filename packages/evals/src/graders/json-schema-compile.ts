import { createRequire } from "node:module";
import type { Ajv, ValidateFunction } from "ajv";

/**
 * JSON Schema validators, compiled once per schema text and kept for the `MAX_COMPILED_SCHEMAS` schemas used most
 * recently (least recently used first out), so a long-running server that is sent ever new schemas (grader sets,
 * `POST /api/graders/test`) keeps a bounded number of them.
 *
 * Each schema is compiled by an ajv instance of its own, dropped with it: ajv keeps every schema it compiled, its
 * validator and its `pattern` regexps in instance-wide scope that `removeSchema` does not clear, so one shared
 * instance would hold every schema ever seen. One shared instance per draft only checks schemas against the draft's
 * meta-schema (compiled once), which adds nothing to it. Draft 2020-12 when the schema's `$schema` says so, else
 * draft-07 (ajv's default, which also reads draft-06 and most draft-04 schemas). Formats (date, email, uri, …) are
 * checked. A schema's `$id` is not registered anywhere, so two graders' schemas never clash over one.
 */
export const MAX_COMPILED_SCHEMAS = 64;

const compiled = new Map<string, ValidateFunction>();
/** The meta-schema checkers, one per draft. */
const checkers: { draft07?: Ajv; draft2020?: Ajv } = {};
/** ajv (CommonJS) is loaded the first time a schema is compiled: most runs have no json_schema grader. */
const require = createRequire(import.meta.url);

type Draft = keyof typeof checkers;

function newAjv(draft: Draft, options: { validateSchema: boolean }): Ajv {
  const settings = { allErrors: true, strict: false, addUsedSchema: false, ...options } as const;
  const ajv =
    draft === "draft2020"
      ? new (require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js")).Ajv2020(settings)
      : new (require("ajv") as typeof import("ajv")).Ajv(settings);
  (require("ajv-formats") as (ajv: Ajv) => Ajv)(ajv);
  return ajv;
}

/** The validator of `schema`; throws (ajv's message) when the schema is not valid JSON Schema. */
export function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached) {
    compiled.delete(key);
    compiled.set(key, cached);
    return cached;
  }
  const draft: Draft = typeof schema.$schema === "string" && schema.$schema.includes("2020-12") ? "draft2020" : "draft07";
  checkers[draft] ??= newAjv(draft, { validateSchema: true });
  checkers[draft].validateSchema(schema, true);
  const validate = newAjv(draft, { validateSchema: false }).compile(schema);
  compiled.set(key, validate);
  while (compiled.size > MAX_COMPILED_SCHEMAS) {
    const oldest = compiled.keys().next().value;
    if (oldest === undefined) break;
    compiled.delete(oldest);
  }
  return validate;
}

/** ajv's private caches, read for `schemaCacheSizes`. */
interface AjvInternals {
  _cache: Map<unknown, unknown>;
  scope: { _values: Record<string, { size: number }> };
}

/**
 * What the compiled-schema cache holds, for tests and diagnostics: `compiled` validators, and what the shared
 * meta-schema checkers hold (`checkerSchemas`: ajv's schema cache; `checkerScopeValues`: values in their scope), which
 * does not grow with the number of schemas compiled.
 */
export function schemaCacheSizes(): { compiled: number; checkerSchemas: number; checkerScopeValues: number } {
  let checkerSchemas = 0;
  let checkerScopeValues = 0;
  for (const ajv of Object.values(checkers)) {
    const internals = ajv as unknown as AjvInternals;
    checkerSchemas += internals._cache.size;
    for (const values of Object.values(internals.scope._values)) checkerScopeValues += values.size;
  }
  return { compiled: compiled.size, checkerSchemas, checkerScopeValues };
}
