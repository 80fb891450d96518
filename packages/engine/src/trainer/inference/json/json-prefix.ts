/**
 * An incremental check that bytes written so far are the start of one JSON document (RFC 8259, UTF-8) of a schema
 * (schema-node.ts): a pushdown automaton fed one byte at a time. `push` answers whether the byte keeps the text a
 * valid prefix; `complete` whether the text is a whole document. Constrained decoding tries each candidate token's
 * bytes on a `clone()` and keeps the clone of the token it takes.
 *
 * Whitespace between tokens is allowed, at most MAX_SPACE bytes in a row (so a model cannot spin on it), and none
 * after the document: once complete only the end of the text can follow.
 */
import type { SchemaNode } from "./schema-node.ts";

export const MAX_SPACE = 20;

const OPEN = 0; // after `{` or `[`
const KEY = 1; // object: after `,`, a key must follow
const COLON = 2; // object: after a key
const NEXT = 3; // after a member or element: `,` or the closing bracket

type Frame =
  | { t: "value"; node: SchemaNode }
  | { t: "object"; node: SchemaNode; state: number; seen: Set<string>; key: string }
  | { t: "array"; node: SchemaNode; state: number }
  | { t: "string"; key: boolean; raw: number[]; escape: number; more: number; lo: number; hi: number }
  | { t: "number"; integer: boolean; state: number }
  | { t: "literal"; options: Uint8Array[]; at: number; key: boolean };

/** A child frame's outcome for its parent: the key it spelled, when it was a key. */
type Done = { key?: string };

// number states
const N_START = 0;
const N_MINUS = 1;
const N_ZERO = 2;
const N_INT = 3;
const N_DOT = 4;
const N_FRAC = 5;
const N_E = 6;
const N_ESIGN = 7;
const N_EXP = 8;
const numberComplete = (s: number) => s === N_ZERO || s === N_INT || s === N_FRAC || s === N_EXP;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const isHex = (b: number) => isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
const utf8 = new TextEncoder();
const text = new TextDecoder();
const TRUE_FALSE = [utf8.encode("true"), utf8.encode("false")];
const NULL = [utf8.encode("null")];
/** Each object schema's property names as JSON text (computed once per schema node). */
const keyTexts = new WeakMap<SchemaNode, { name: string; text: Uint8Array }[]>();

export class JsonPrefix {
  private constructor(
    private stack: Frame[],
    private spaces: number,
  ) {}

  static of(root: SchemaNode): JsonPrefix {
    return new JsonPrefix([{ t: "value", node: root }], 0);
  }

  clone(): JsonPrefix {
    return new JsonPrefix(
      this.stack.map((f) => ({ ...f })),
      this.spaces,
    );
  }

  /** The text so far is a whole document (the end of the text may follow). */
  get complete(): boolean {
    if (this.stack.length === 0) return true;
    if (this.stack.length > 1) return false;
    const top = this.stack[0] as Frame;
    return (top.t === "number" && numberComplete(top.state)) || (top.t === "literal" && top.options.some((o) => o.length === top.at));
  }

  /** Feeds every byte; false as soon as one breaks the prefix (the state is then unusable: feed clones). */
  pushAll(bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; i++) if (!this.push(bytes[i] as number)) return false;
    return true;
  }

  push(b: number): boolean {
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (!top) return false; // the document is complete: nothing may follow
      const r = this.step(top, b);
      if (r !== "refeed") {
        if (r && !isSpace(b)) this.spaces = 0;
        return r;
      }
    }
  }

  /** true/false: the byte is taken or refused; "refeed": the top frame ended before this byte, offer it to the parent. */
  private step(f: Frame, b: number): boolean | "refeed" {
    switch (f.t) {
      case "value":
        return this.value(f, b);
      case "object":
        return this.object(f, b);
      case "array":
        return this.array(f, b);
      case "string":
        return this.string(f, b);
      case "number":
        return this.number(f, b);
      case "literal":
        return this.literal(f, b);
    }
  }

  private space(): boolean {
    this.spaces++;
    return this.spaces <= MAX_SPACE;
  }

  private replaceTop(frame: Frame): void {
    this.stack[this.stack.length - 1] = frame;
  }

  /** Pops the finished top frame and tells its parent. */
  private finish(done: Done): boolean {
    this.stack.pop();
    const parent = this.stack[this.stack.length - 1];
    if (!parent) return true;
    if (parent.t === "object") {
      if (parent.state === OPEN || parent.state === KEY) {
        const key = done.key as string;
        if (parent.seen.has(key)) return false;
        if (parent.node.additional === false && !parent.node.properties.has(key)) return false;
        parent.seen = new Set(parent.seen).add(key);
        parent.key = key;
        parent.state = COLON;
      }
    }
    return true;
  }

  private value(f: Extract<Frame, { t: "value" }>, b: number): boolean {
    if (isSpace(b)) return this.space();
    const node = f.node;
    if (node.literals) {
      this.replaceTop({ t: "literal", options: node.literals, at: 0, key: false });
      return this.push(b);
    }
    const k = node.kinds;
    if (b === 0x7b && k.has("object")) {
      this.replaceTop({ t: "object", node, state: OPEN, seen: new Set(), key: "" });
      return true;
    }
    if (b === 0x5b && k.has("array")) {
      this.replaceTop({ t: "array", node, state: OPEN });
      return true;
    }
    if (b === 0x22 && k.has("string")) {
      this.replaceTop({ t: "string", key: false, raw: [], escape: 0, more: 0, lo: 0, hi: 0 });
      return true;
    }
    if ((b === 0x2d || isDigit(b)) && (k.has("number") || k.has("integer"))) {
      this.replaceTop({ t: "number", integer: !k.has("number"), state: N_START });
      return this.push(b);
    }
    if ((b === 0x74 || b === 0x66) && k.has("boolean")) {
      this.replaceTop({ t: "literal", options: TRUE_FALSE, at: 0, key: false });
      return this.push(b);
    }
    if (b === 0x6e && k.has("null")) {
      this.replaceTop({ t: "literal", options: NULL, at: 0, key: false });
      return this.push(b);
    }
    return false;
  }

  /** Keys not yet written that the object may still take, as JSON text; undefined when any key may come. */
  private keyOptions(f: Extract<Frame, { t: "object" }>): Uint8Array[] | undefined {
    if (f.node.additional !== false) return undefined;
    let names = keyTexts.get(f.node);
    if (!names) {
      names = [...f.node.properties.keys()].map((name) => ({ name, text: utf8.encode(JSON.stringify(name)) }));
      keyTexts.set(f.node, names);
    }
    const options: Uint8Array[] = [];
    for (const { name, text } of names) if (!f.seen.has(name)) options.push(text);
    return options;
  }

  private requiredSeen(f: Extract<Frame, { t: "object" }>): boolean {
    for (const r of f.node.required) if (!f.seen.has(r)) return false;
    return true;
  }

  private object(f: Extract<Frame, { t: "object" }>, b: number): boolean {
    if (isSpace(b)) return this.space();
    if (f.state === OPEN || f.state === KEY) {
      if (b === 0x7d && f.state === OPEN) return this.requiredSeen(f) && this.finish({});
      if (b !== 0x22) return false;
      const options = this.keyOptions(f);
      if (options) {
        if (options.length === 0) return false;
        this.stack.push({ t: "literal", options, at: 0, key: true });
        return this.push(b);
      }
      this.stack.push({ t: "string", key: true, raw: [], escape: 0, more: 0, lo: 0, hi: 0 });
      return true;
    }
    if (f.state === COLON) {
      if (b !== 0x3a) return false;
      f.state = NEXT;
      const node = f.node.properties.get(f.key) ?? f.node.additional;
      if (node === false) return false;
      this.stack.push({ t: "value", node });
      return true;
    }
    // NEXT
    if (b === 0x7d) return this.requiredSeen(f) && this.finish({});
    if (b !== 0x2c) return false;
    const options = this.keyOptions(f);
    if (options && options.length === 0) return false;
    f.state = KEY;
    return true;
  }

  private array(f: Extract<Frame, { t: "array" }>, b: number): boolean {
    if (isSpace(b)) return this.space();
    if (b === 0x5d) return this.finish({});
    if (f.state === NEXT) {
      if (b !== 0x2c) return false;
      this.stack.push({ t: "value", node: f.node.items });
      return true;
    }
    f.state = NEXT;
    this.stack.push({ t: "value", node: f.node.items });
    return this.push(b);
  }

  private string(f: Extract<Frame, { t: "string" }>, b: number): boolean {
    if (f.key) f.raw = [...f.raw, b];
    if (f.more > 0) {
      // inside a multi-byte UTF-8 character: the first continuation byte has a narrower range for some leads
      if (b < f.lo || b > f.hi) return false;
      f.more--;
      f.lo = 0x80;
      f.hi = 0xbf;
      return true;
    }
    if (f.escape === 1) {
      if (b === 0x75) f.escape = 2;
      else if ([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74].includes(b)) f.escape = 0;
      else return false;
      return true;
    }
    if (f.escape >= 2) {
      if (!isHex(b)) return false;
      f.escape = f.escape === 5 ? 0 : f.escape + 1;
      return true;
    }
    // raw holds the key after its opening quote, this closing quote included
    if (b === 0x22) return this.finish(f.key ? { key: JSON.parse(`"${text.decode(new Uint8Array(f.raw))}`) as string } : {});
    if (b === 0x5c) {
      f.escape = 1;
      return true;
    }
    if (b < 0x20) return false;
    if (b < 0x80) return true;
    // UTF-8 lead byte: how many continuation bytes follow, and the range of the first (no overlongs, no surrogates)
    const [more, lo, hi] =
      b >= 0xc2 && b <= 0xdf
        ? [1, 0x80, 0xbf]
        : b === 0xe0
          ? [2, 0xa0, 0xbf]
          : b === 0xed
            ? [2, 0x80, 0x9f]
            : b >= 0xe1 && b <= 0xef
              ? [2, 0x80, 0xbf]
              : b === 0xf0
                ? [3, 0x90, 0xbf]
                : b >= 0xf1 && b <= 0xf3
                  ? [3, 0x80, 0xbf]
                  : b === 0xf4
                    ? [3, 0x80, 0x8f]
                    : [0, 0, 0];
    if (more === 0) return false;
    [f.more, f.lo, f.hi] = [more, lo, hi];
    return true;
  }

  private number(f: Extract<Frame, { t: "number" }>, b: number): boolean | "refeed" {
    const s = f.state;
    let next = -1;
    if (s === N_START) next = b === 0x2d ? N_MINUS : b === 0x30 ? N_ZERO : isDigit(b) ? N_INT : -1;
    else if (s === N_MINUS) next = b === 0x30 ? N_ZERO : isDigit(b) ? N_INT : -1;
    else if (s === N_INT && isDigit(b)) next = N_INT;
    else if ((s === N_ZERO || s === N_INT) && b === 0x2e && !f.integer) next = N_DOT;
    else if ((s === N_DOT || s === N_FRAC) && isDigit(b)) next = N_FRAC;
    else if ((s === N_ZERO || s === N_INT || s === N_FRAC) && (b === 0x65 || b === 0x45) && !f.integer) next = N_E;
    else if (s === N_E && (b === 0x2b || b === 0x2d)) next = N_ESIGN;
    else if ((s === N_E || s === N_ESIGN || s === N_EXP) && isDigit(b)) next = N_EXP;
    if (next >= 0) {
      f.state = next;
      return true;
    }
    if (!numberComplete(s)) return false;
    return this.finishThenRefeed({});
  }

  private literal(f: Extract<Frame, { t: "literal" }>, b: number): boolean | "refeed" {
    const alive = f.options.filter((o) => o.length > f.at && o[f.at] === b);
    if (alive.length > 0) {
      f.options = alive;
      f.at++;
      return true;
    }
    const whole = f.options.find((o) => o.length === f.at);
    if (!whole) return false;
    return this.finishThenRefeed(f.key ? { key: JSON.parse(text.decode(whole)) as string } : {});
  }

  /** A number or literal ends at the first byte that cannot continue it; that byte then belongs to the parent. */
  private finishThenRefeed(done: Done): boolean | "refeed" {
    if (this.stack.length === 1) return false; // a root scalar: nothing may follow it
    return this.finish(done) ? "refeed" : false;
  }
}
