import { GraderError } from "../grade.ts";

export type Token =
  | { kind: "number"; value: number; at: number }
  | { kind: "name"; value: string; at: number }
  | { kind: "op"; value: "+" | "-" | "*" | "/" | "^" | "(" | ")" | ","; at: number }
  | { kind: "end"; at: number };

const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const OPS = new Set(["+", "-", "*", "/", "^", "(", ")", ","]);

/** Splits a `calculate_output` formula into tokens; anything unexpected is a `formula_parse_error`. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const char = source[at] as string;
    if (/\s/.test(char)) {
      at += 1;
      continue;
    }
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(source);
    if (number) {
      tokens.push({ kind: "number", value: Number(number[0]), at });
      at = NUMBER.lastIndex;
      continue;
    }
    NAME.lastIndex = at;
    const name = NAME.exec(source);
    if (name) {
      tokens.push({ kind: "name", value: name[0], at });
      at = NAME.lastIndex;
      continue;
    }
    if (OPS.has(char)) {
      tokens.push({ kind: "op", value: char as "+", at });
      at += 1;
      continue;
    }
    throw new GraderError("formula_parse_error", `unexpected character "${char}" at position ${at} in formula "${source}"`);
  }
  tokens.push({ kind: "end", at });
  return tokens;
}
