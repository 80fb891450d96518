import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { compileSchema, MAX_COMPILED_SCHEMAS, schemaCacheSizes } from "./json-schema-compile.ts";

/** A distinct schema per `i`, with a `pattern` (ajv keeps compiled patterns in its instance-wide scope). */
const schema = (i: number, draft2020 = false): Record<string, unknown> => ({
  ...(draft2020 ? { $schema: "https://json-schema.org/draft/2020-12/schema" } : {}),
  $id: "urn:tunelab:same-id",
  type: "object",
  required: [`field${i}`],
  properties: { [`field${i}`]: { type: "string", pattern: `^v${i}$`, format: "email" } },
});

describe("compiled JSON Schemas", () => {
  it("keeps at most MAX_COMPILED_SCHEMAS validators, and nothing of evicted ones in ajv", () => {
    compileSchema(schema(0));
    compileSchema(schema(0, true));
    const before = schemaCacheSizes();
    for (let i = 1; i <= 3 * MAX_COMPILED_SCHEMAS; i++) {
      const validate = compileSchema(schema(i, i % 2 === 0));
      expect(validate({ [`field${i}`]: `v${i}` })).toBe(false); // not an email
      expect(validate({})).toBe(false);
    }
    const after = schemaCacheSizes();
    expect(after.compiled).toBe(MAX_COMPILED_SCHEMAS);
    // the shared instances only check schemas against the meta-schema: what they hold does not grow
    expect(after.checkerSchemas).toBe(before.checkerSchemas);
    expect(after.checkerScopeValues).toBe(before.checkerScopeValues);
  });

  it("returns the cached validator for the same schema text, most recently used kept longest", () => {
    const kept = compileSchema(schema(1000));
    expect(compileSchema(JSON.parse(JSON.stringify(schema(1000))))).toBe(kept);
    for (let i = 1; i < MAX_COMPILED_SCHEMAS; i++) {
      compileSchema(schema(2000 + i));
      expect(compileSchema(schema(1000))).toBe(kept); // used again: stays
    }
    const dropped = compileSchema(schema(3000));
    for (let i = 0; i < MAX_COMPILED_SCHEMAS; i++) compileSchema(schema(4000 + i));
    expect(compileSchema(schema(3000))).not.toBe(dropped); // evicted, compiled anew
  });

  it("frees an evicted validator", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    let validate: ReturnType<typeof compileSchema> | undefined = compileSchema(schema(5000));
    const ref = new WeakRef(validate);
    validate = undefined;
    for (let i = 0; i < MAX_COMPILED_SCHEMAS; i++) compileSchema(schema(6000 + i));
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(ref.deref()).toBeUndefined();
  });

  it("reports an invalid schema with ajv's message", () => {
    expect(() => compileSchema({ type: "strng" })).toThrow(/schema is invalid: data\/type/);
    expect(() => compileSchema({ $schema: "https://json-schema.org/draft/2020-12/schema", minLength: -1 })).toThrow(/schema is invalid/);
  });
});
