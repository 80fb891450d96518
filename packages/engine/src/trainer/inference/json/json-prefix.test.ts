import { describe, expect, it } from "vitest";
import { Rng } from "../../train/rng.ts";
import { JsonPrefix, MAX_SPACE } from "./json-prefix.ts";
import { ANY_OBJECT, ANY_VALUE, compileSchema, type SchemaNode } from "./schema-node.ts";

const utf8 = new TextEncoder();

/** How far the text stays a prefix: its bytes taken, and whether the whole of it is a complete document. */
function check(text: string | Uint8Array, root: SchemaNode = ANY_VALUE): { taken: number; complete: boolean } {
  const bytes = typeof text === "string" ? utf8.encode(text) : text;
  const p = JsonPrefix.of(root);
  for (let i = 0; i < bytes.length; i++) if (!p.push(bytes[i] as number)) return { taken: i, complete: false };
  return { taken: bytes.length, complete: p.complete };
}
const whole = (text: string, root?: SchemaNode) => {
  const r = check(text, root);
  return r.taken === utf8.encode(text).length && r.complete;
};
/** The byte offset where the text stops being a valid prefix (-1: it never does). */
const breaksAt = (text: string | Uint8Array, root?: SchemaNode) => {
  const bytes = typeof text === "string" ? utf8.encode(text) : text;
  const r = check(bytes, root);
  return r.taken === bytes.length ? -1 : r.taken;
};

describe("JsonPrefix: any JSON", () => {
  it("takes whole documents and every prefix of them", () => {
    const docs = [
      "{}",
      "[]",
      '{"a":[1,-2.5e+3,0,0.25,1E9,true,false,null,"x"],"b":{"c":{}}}',
      ' { "k" : [ 1 , { } , [ ] ] }',
      '"tab\\t quote\\" slash\\/ back\\\\ u\\u00e9\\uD83D\\ude00"',
      '"é, 中文, 😀"',
      "-0",
      "12",
      "true",
    ];
    for (const doc of docs) {
      expect(whole(doc), doc).toBe(true);
      expect(JSON.parse(doc)).toBeDefined();
      for (let i = 0; i < doc.length; i++) expect(breaksAt(doc.slice(0, i)), doc.slice(0, i)).toBe(-1);
      // a proper prefix of an object or array is not complete
      if (doc.trim().startsWith("{")) expect(check(doc.slice(0, -1)).complete).toBe(false);
    }
  });

  it("refuses the byte where the text stops being JSON", () => {
    expect(breaksAt('{"a":01}')).toBe(6);
    expect(breaksAt('{"a":1.}')).toBe(7);
    expect(breaksAt("[1,]")).toBe(3);
    expect(breaksAt("{,}")).toBe(1);
    expect(breaksAt('{"a" 1}')).toBe(5);
    expect(breaksAt('{"a":1 "b":2}')).toBe(7);
    expect(breaksAt('"\\x"')).toBe(2);
    expect(breaksAt('"\\u12g4"')).toBe(5);
    expect(breaksAt('"a\nb"')).toBe(2);
    expect(breaksAt("trux")).toBe(3);
    expect(breaksAt("nul ")).toBe(3);
    expect(breaksAt("{} ")).toBe(2); // nothing after the document, not even a space
    expect(breaksAt("1 2")).toBe(1);
    expect(breaksAt('{"a":1}}')).toBe(7);
    expect(breaksAt("-")).toBe(-1);
    expect(check("-").complete).toBe(false);
    expect(check("1.").complete).toBe(false);
    expect(check("1e+").complete).toBe(false);
    expect(check("1e+5").complete).toBe(true);
  });

  it("checks UTF-8 inside strings: continuation bytes, overlongs, surrogates, truncation", () => {
    const s = (...bytes: number[]) => new Uint8Array([0x22, ...bytes, 0x22]);
    expect(breaksAt(s(0xc3, 0xa9))).toBe(-1); // é
    expect(breaksAt(s(0xf0, 0x9f, 0x98, 0x80))).toBe(-1); // 😀
    expect(breaksAt(s(0x80))).toBe(1); // lone continuation
    expect(breaksAt(s(0xc0, 0xaf))).toBe(1); // overlong lead
    expect(breaksAt(s(0xe0, 0x80, 0x80))).toBe(2); // overlong three-byte
    expect(breaksAt(s(0xed, 0xa0, 0x80))).toBe(2); // UTF-16 surrogate
    expect(breaksAt(s(0xf4, 0x90, 0x80, 0x80))).toBe(2); // past U+10FFFF
    expect(breaksAt(s(0xc3))).toBe(2); // the quote cannot end a character
  });

  it("allows at most MAX_SPACE whitespace bytes in a row", () => {
    expect(breaksAt(`{${" ".repeat(MAX_SPACE)}}`)).toBe(-1);
    expect(breaksAt(`{${" ".repeat(MAX_SPACE + 1)}}`)).toBe(MAX_SPACE + 1);
    expect(breaksAt(`{${" ".repeat(MAX_SPACE)}"a":${"\n".repeat(MAX_SPACE)}1}`)).toBe(-1);
    // spaces inside strings do not count
    expect(breaksAt(`"${" ".repeat(100)}"`)).toBe(-1);
  });

  it("json_object: the document is an object", () => {
    expect(whole('{"x":[1]}', ANY_OBJECT)).toBe(true);
    expect(breaksAt("[1]", ANY_OBJECT)).toBe(0);
    expect(breaksAt('"s"', ANY_OBJECT)).toBe(0);
  });

  it("agrees with JSON.parse on random texts", () => {
    const rng = new Rng(7);
    const alphabet = ["{", "}", "[", "]", ",", ":", '"', "\\", "u", "0", "1", "-", ".", "e", "a", " ", "t", "r", "n", "é"];
    const fragments = ['{"a":', '"b"', "[1,2]", "true", "null", "0.5", "}", "]", ","];
    let parsed = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = "";
      const n = 1 + Math.floor(rng.next() * 12);
      for (let j = 0; j < n; j++) {
        const pool = rng.next() < 0.5 ? alphabet : fragments;
        text += pool[Math.floor(rng.next() * pool.length)];
      }
      let ok = true;
      try {
        JSON.parse(text);
      } catch {
        ok = false;
      }
      const noTrailing = text.trimEnd() === text;
      if (ok && noTrailing) parsed++;
      expect(whole(text), text).toBe(ok && noTrailing);
    }
    expect(parsed).toBeGreaterThan(200);
  });
});

describe("JsonPrefix: a schema", () => {
  const ticket = compileSchema({
    type: "object",
    properties: {
      label: { enum: ["odd", "even"] },
      score: { type: "integer" },
      note: { type: ["string", "null"] },
      tags: { type: "array", items: { type: "string" } },
      ok: { type: "boolean" },
    },
    required: ["label", "score"],
    additionalProperties: false,
  });

  it("keeps to properties, required keys, types and enums", () => {
    const root = ticket.root;
    expect(ticket.unsupported).toEqual([]);
    expect(whole('{"label":"odd","score":3}', root)).toBe(true);
    expect(whole('{ "score": -12, "label": "even", "note": null, "tags": ["a", "b"], "ok": true }', root)).toBe(true);
    expect(whole('{"label":"odd","score":3,"note":"n"}', root)).toBe(true);
    expect(breaksAt('{"x":1}', root)).toBe(2); // no such property
    expect(breaksAt('{"okay":1}', root)).toBe(4); // "ok" is one, "okay" is not
    expect(breaksAt('{"label":"ode"}', root)).toBe(12); // not in the enum
    expect(breaksAt('{"label":"odd"}', root)).toBe(14); // score is required
    expect(breaksAt('{"score":1.5}', root)).toBe(10); // an integer
    expect(breaksAt('{"score":1,"score":2}', root)).toBe(12); // once
    expect(breaksAt('{"tags":[1]}', root)).toBe(9); // strings only
    expect(breaksAt('{"ok":"yes"}', root)).toBe(6);
    expect(breaksAt('{"note":1}', root)).toBe(8);
  });

  it("allows other keys unless additionalProperties is false, with their schema when given", () => {
    const { root } = compileSchema({
      type: "object",
      properties: { a: { type: "number" } },
      additionalProperties: { type: "string" },
    });
    expect(whole('{"a":1,"zz":"x"}', root)).toBe(true);
    expect(breaksAt('{"zz":1}', root)).toBe(6);
    expect(breaksAt('{"a":"s"}', root)).toBe(5);
    expect(breaksAt('{"\\u0061":"s"}', root)).toBe(10); // an escaped key is the same key
  });

  it("follows $ref into $defs, recursively, and const", () => {
    const { root, unsupported } = compileSchema({
      $defs: {
        node: {
          type: "object",
          properties: { v: { const: 1 }, kids: { type: "array", items: { $ref: "#/$defs/node" } } },
          required: ["v"],
          additionalProperties: false,
        },
      },
      $ref: "#/$defs/node",
    });
    expect(unsupported).toEqual([]);
    expect(whole('{"v":1,"kids":[{"v":1,"kids":[]},{"v":1}]}', root)).toBe(true);
    expect(breaksAt('{"v":1,"kids":[{"v":2}]}', root)).toBe(20);
  });

  it("anyOf of different types; overlapping branches and other keywords are only kept valid JSON, and named", () => {
    const either = compileSchema({
      anyOf: [{ type: "string" }, { type: "object", properties: { a: { type: "null" } }, additionalProperties: false }],
    });
    expect(whole('"s"', either.root)).toBe(true);
    expect(whole('{"a":null}', either.root)).toBe(true);
    expect(breaksAt("1", either.root)).toBe(0);
    const overlapping = compileSchema({ anyOf: [{ type: "object" }, { type: "object", properties: { a: { type: "null" } } }] });
    expect(overlapping.unsupported).toEqual(["anyOf/oneOf with overlapping branches"]);
    expect(whole('[{"a":1}]', overlapping.root)).toBe(true);
    const pattern = compileSchema({ type: "object", properties: { s: { type: "string", pattern: "^a", minLength: 2 } } });
    expect(pattern.unsupported).toEqual(["pattern", "minLength"]);
    expect(whole('{"s":"b","x":[1]}', pattern.root)).toBe(true);
  });
});
