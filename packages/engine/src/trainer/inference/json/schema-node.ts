/**
 * The part of a JSON Schema that constrained decoding enforces, compiled once per request: value types (`type`, also
 * as a list), `enum`/`const`, object `properties`/`required`/`additionalProperties`, array `items`, `anyOf`/`oneOf`
 * whose branches differ in type, and `$ref` into `$defs`/`definitions` (recursion included). Anything else
 * (`pattern`, `format`, `minLength`, `minItems`, `allOf`, `anyOf` of two objects, …) is not enforced: such a value is
 * only kept valid JSON, and `unsupported` names the keywords.
 */

export type ValueKind = "object" | "array" | "string" | "number" | "integer" | "boolean" | "null";

export interface SchemaNode {
  /** Value types allowed here (`number` includes integers). */
  kinds: Set<ValueKind>;
  /** `enum`/`const`: the value must be one of these JSON texts, written compactly (as JSON.stringify writes them). */
  literals?: Uint8Array[];
  properties: Map<string, SchemaNode>;
  required: Set<string>;
  /** Schema of keys not in `properties`, or false when there may be none. */
  additional: SchemaNode | false;
  items: SchemaNode;
}

const ALL: ValueKind[] = ["object", "array", "string", "number", "boolean", "null"];
const utf8 = new TextEncoder();

/** Any JSON value. */
export const ANY_VALUE: SchemaNode = (() => {
  const node = { kinds: new Set(ALL), properties: new Map(), required: new Set() } as unknown as SchemaNode;
  node.additional = node;
  node.items = node;
  return node;
})();

/** Any JSON object (OpenAI's `json_object` response format). */
export const ANY_OBJECT: SchemaNode = { ...ANY_VALUE, kinds: new Set(["object"]) };

/** Keywords that only annotate, or that the subset enforces. */
const HANDLED = new Set([
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "anyOf",
  "oneOf",
  "$ref",
  "$defs",
  "definitions",
  "$schema",
  "$id",
  "title",
  "description",
  "default",
  "examples",
  "strict",
]);

export interface CompiledSchema {
  root: SchemaNode;
  /** Keywords present in the schema that are not enforced (their values are only kept valid JSON). */
  unsupported: string[];
}

export function compileSchema(schema: unknown): CompiledSchema {
  const unsupported = new Set<string>();
  const refs = new Map<string, SchemaNode>();
  const rootSchema = schema;

  const resolve = (ref: string): unknown => {
    const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
    if (ref === "#") return rootSchema;
    if (!m) return undefined;
    const defs = (rootSchema as Record<string, Record<string, unknown>>)[m[1] as string];
    return defs?.[
      decodeURIComponent(m[2] as string)
        .replace(/~1/g, "/")
        .replace(/~0/g, "~")
    ];
  };

  const compile = (s: unknown): SchemaNode => {
    if (s === true || s === undefined) return ANY_VALUE;
    if (typeof s !== "object" || s === null || Array.isArray(s)) {
      unsupported.add(String(s));
      return ANY_VALUE;
    }
    const o = s as Record<string, unknown>;
    if (typeof o.$ref === "string") {
      const known = refs.get(o.$ref);
      if (known) return known;
      const target = resolve(o.$ref);
      if (target === undefined) {
        unsupported.add(`$ref ${o.$ref}`);
        return ANY_VALUE;
      }
      // placeholder first, so a schema that refers to itself compiles to a cycle
      const node = { ...ANY_VALUE, properties: new Map(), required: new Set() } as SchemaNode;
      refs.set(o.$ref, node);
      Object.assign(node, compile(target));
      return node;
    }
    for (const key of Object.keys(o)) if (!HANDLED.has(key)) unsupported.add(key);
    if ("const" in o) return { ...ANY_VALUE, literals: [utf8.encode(JSON.stringify(o.const))] };
    if (Array.isArray(o.enum)) return { ...ANY_VALUE, literals: o.enum.map((v) => utf8.encode(JSON.stringify(v))) };
    const branches = Array.isArray(o.anyOf) ? o.anyOf : Array.isArray(o.oneOf) ? o.oneOf : undefined;
    if (branches) return union(branches.map(compile));
    const types = typeof o.type === "string" ? [o.type] : Array.isArray(o.type) ? o.type : undefined;
    const kinds = new Set<ValueKind>();
    for (const t of types ?? ALL) if (ALL.includes(t as ValueKind) || t === "integer") kinds.add(t as ValueKind);
    if (kinds.has("number")) kinds.delete("integer");
    if (kinds.size === 0) {
      unsupported.add(`type ${JSON.stringify(o.type)}`);
      return ANY_VALUE;
    }
    const props = typeof o.properties === "object" && o.properties !== null ? (o.properties as Record<string, unknown>) : {};
    const properties = new Map<string, SchemaNode>();
    const node: SchemaNode = {
      kinds,
      properties,
      required: new Set(Array.isArray(o.required) ? o.required.filter((r): r is string => typeof r === "string") : []),
      additional: o.additionalProperties === false ? false : ANY_VALUE,
      items: ANY_VALUE,
    };
    for (const [name, sub] of Object.entries(props)) properties.set(name, compile(sub));
    if (typeof o.additionalProperties === "object" && o.additionalProperties !== null) node.additional = compile(o.additionalProperties);
    if (o.items !== undefined && !Array.isArray(o.items)) node.items = compile(o.items);
    else if (Array.isArray(o.items)) unsupported.add("items (as a list)");
    // a required property that may not appear cannot be satisfied: keep the document finishable
    if (node.additional === false) for (const r of node.required) if (!properties.has(r)) node.required.delete(r);
    return node;
  };

  /** Branches that differ in their value types merge into one node; anything else is only kept valid JSON. */
  const union = (nodes: SchemaNode[]): SchemaNode => {
    const merged: SchemaNode = { kinds: new Set(), properties: new Map(), required: new Set(), additional: false, items: ANY_VALUE };
    const literals: Uint8Array[] = [];
    for (const n of nodes) {
      if (n.literals) {
        literals.push(...n.literals);
        continue;
      }
      for (const k of n.kinds) {
        const overlaps =
          merged.kinds.has(k) || (k === "integer" && merged.kinds.has("number")) || (k === "number" && merged.kinds.has("integer"));
        if (overlaps || literals.length > 0) {
          unsupported.add("anyOf/oneOf with overlapping branches");
          return ANY_VALUE;
        }
        merged.kinds.add(k);
      }
      if (n.kinds.has("object")) [merged.properties, merged.required, merged.additional] = [n.properties, n.required, n.additional];
      if (n.kinds.has("array")) merged.items = n.items;
    }
    if (literals.length > 0) {
      if (merged.kinds.size > 0) {
        unsupported.add("anyOf/oneOf mixing enum and types");
        return ANY_VALUE;
      }
      return { ...ANY_VALUE, literals };
    }
    return merged.kinds.size > 0 ? merged : ANY_VALUE;
  };

  return { root: compile(schema), unsupported: [...unsupported] };
}
