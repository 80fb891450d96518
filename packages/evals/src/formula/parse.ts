import { GraderError } from "../grade.ts";
import { type Token, tokenize } from "./tokens.ts";

export const FUNCTIONS = {
  min: { arity: [1, Number.POSITIVE_INFINITY], fn: Math.min },
  max: { arity: [1, Number.POSITIVE_INFINITY], fn: Math.max },
  abs: { arity: [1, 1], fn: Math.abs },
  floor: { arity: [1, 1], fn: Math.floor },
  ceil: { arity: [1, 1], fn: Math.ceil },
  exp: { arity: [1, 1], fn: Math.exp },
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  log: { arity: [1, 1], fn: Math.log },
} as const satisfies Record<string, { arity: [number, number]; fn: (...args: number[]) => number }>;
export type FunctionName = keyof typeof FUNCTIONS;

export type Expr =
  | { kind: "number"; value: number }
  | { kind: "variable"; name: string }
  | { kind: "unary"; op: "-" | "+"; operand: Expr }
  | { kind: "binary"; op: "+" | "-" | "*" | "/" | "^"; left: Expr; right: Expr }
  | { kind: "call"; name: FunctionName; args: Expr[] };

/**
 * Parses a formula by recursive descent. Grammar (lowest to highest precedence):
 *   sum     = product (("+" | "-") product)*
 *   product = unary (("*" | "/") unary)*
 *   unary   = ("-" | "+") unary | power
 *   power   = atom ("^" unary)?            (right-associative; -2^2 = -(2^2), 2^-1 = 0.5)
 *   atom    = number | name | name "(" sum ("," sum)* ")" | "(" sum ")"
 */
export function parseFormula(source: string): Expr {
  const tokens = tokenize(source);
  let position = 0;
  const peek = (): Token => tokens[position] as Token;
  const fail = (message: string, token: Token = peek()): never => {
    throw new GraderError("formula_parse_error", `${message} at position ${token.at} in formula "${source}"`);
  };
  const isOp = (value: string): boolean => {
    const token = peek();
    return token.kind === "op" && token.value === value;
  };
  const expect = (value: string): void => {
    if (!isOp(value)) fail(`expected "${value}"`);
    position += 1;
  };

  const sum = (): Expr => {
    let left = product();
    while (isOp("+") || isOp("-")) {
      const op = (tokens[position++] as { value: "+" | "-" }).value;
      left = { kind: "binary", op, left, right: product() };
    }
    return left;
  };
  const product = (): Expr => {
    let left = unary();
    while (isOp("*") || isOp("/")) {
      const op = (tokens[position++] as { value: "*" | "/" }).value;
      left = { kind: "binary", op, left, right: unary() };
    }
    return left;
  };
  const unary = (): Expr => {
    if (isOp("-") || isOp("+")) {
      const op = (tokens[position++] as { value: "-" | "+" }).value;
      return { kind: "unary", op, operand: unary() };
    }
    return power();
  };
  const power = (): Expr => {
    const base = atom();
    if (!isOp("^")) return base;
    position += 1;
    return { kind: "binary", op: "^", left: base, right: unary() };
  };
  const atom = (): Expr => {
    const token = peek();
    if (token.kind === "number") {
      position += 1;
      return { kind: "number", value: token.value };
    }
    if (token.kind === "name") {
      position += 1;
      if (!isOp("(")) return { kind: "variable", name: token.value };
      if (!Object.hasOwn(FUNCTIONS, token.value)) fail(`unknown function "${token.value}"`, token);
      const name = token.value as FunctionName;
      position += 1;
      const args = [sum()];
      while (isOp(",")) {
        position += 1;
        args.push(sum());
      }
      expect(")");
      const [least, most] = FUNCTIONS[name].arity;
      if (args.length < least || args.length > most)
        fail(`${name}() takes ${least === most ? least : `${least} or more`} argument(s)`, token);
      return { kind: "call", name, args };
    }
    if (isOp("(")) {
      position += 1;
      const inner = sum();
      expect(")");
      return inner;
    }
    return fail(token.kind === "end" ? "unexpected end" : `unexpected "${token.value}"`);
  };

  if (peek().kind === "end") fail("empty formula");
  const expr = sum();
  if (peek().kind !== "end") fail(`unexpected "${String((peek() as { value?: unknown }).value)}"`);
  return expr;
}

/** The variable names a formula reads. */
export function formulaVariables(expr: Expr): string[] {
  const names = new Set<string>();
  const walk = (e: Expr): void => {
    if (e.kind === "variable") names.add(e.name);
    else if (e.kind === "unary") walk(e.operand);
    else if (e.kind === "binary") {
      walk(e.left);
      walk(e.right);
    } else if (e.kind === "call") e.args.forEach(walk);
  };
  walk(expr);
  return [...names];
}
