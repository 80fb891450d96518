import { GraderError } from "../grade.ts";
import { type Expr, FUNCTIONS, parseFormula } from "./parse.ts";

/** Evaluates a parsed formula; an unknown variable is a `formula_parse_error` naming it. */
export function evaluate(expr: Expr, variables: Readonly<Record<string, number>>): number {
  switch (expr.kind) {
    case "number":
      return expr.value;
    case "variable": {
      const value = Object.hasOwn(variables, expr.name) ? variables[expr.name] : undefined;
      if (value === undefined) {
        const known = Object.keys(variables);
        throw new GraderError(
          "formula_parse_error",
          `unknown variable "${expr.name}" in formula (known: ${known.length ? known.join(", ") : "none"})`,
        );
      }
      return value;
    }
    case "unary": {
      const value = evaluate(expr.operand, variables);
      return expr.op === "-" ? -value : value;
    }
    case "binary": {
      const left = evaluate(expr.left, variables);
      const right = evaluate(expr.right, variables);
      switch (expr.op) {
        case "+":
          return left + right;
        case "-":
          return left - right;
        case "*":
          return left * right;
        case "/":
          return left / right;
        case "^":
          return left ** right;
      }
      break;
    }
    case "call":
      return (FUNCTIONS[expr.name].fn as (...args: number[]) => number)(...expr.args.map((arg) => evaluate(arg, variables)));
  }
}

/** Parses and evaluates in one step. */
export function evaluateFormula(source: string, variables: Readonly<Record<string, number>>): number {
  return evaluate(parseFormula(source), variables);
}
