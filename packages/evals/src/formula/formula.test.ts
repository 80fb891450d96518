import { describe, expect, it } from "vitest";
import { GraderError } from "../grade.ts";
import { evaluateFormula } from "./evaluate.ts";
import { formulaVariables, parseFormula } from "./parse.ts";

const vars = { a: 0.5, b: 0.25, accuracy: 1, fluency: 0.2 };
const calc = (source: string) => evaluateFormula(source, vars);

function parseError(fn: () => unknown): GraderError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GraderError);
    expect((error as GraderError).type).toBe("formula_parse_error");
    return error as GraderError;
  }
  throw new Error("expected a formula_parse_error");
}

describe("calculate_output formulas", () => {
  it("evaluates numbers and variables", () => {
    expect(calc("42")).toBe(42);
    expect(calc("1.5e2")).toBe(150);
    expect(calc(".5")).toBe(0.5);
    expect(calc("accuracy")).toBe(1);
    expect(calc("0.5 * accuracy + 0.5 * fluency")).toBeCloseTo(0.6, 12);
  });

  it("applies precedence: * / before + -, left-associative", () => {
    expect(calc("1 + 2 * 3")).toBe(7);
    expect(calc("(1 + 2) * 3")).toBe(9);
    expect(calc("10 - 4 - 3")).toBe(3);
    expect(calc("24 / 4 / 3")).toBe(2);
    expect(calc("2 * 3 ^ 2")).toBe(18);
  });

  it("makes ^ right-associative and binds it tighter than unary minus", () => {
    expect(calc("2 ^ 3 ^ 2")).toBe(512);
    expect(calc("(2 ^ 3) ^ 2")).toBe(64);
    expect(calc("-2 ^ 2")).toBe(-4);
    expect(calc("(-2) ^ 2")).toBe(4);
    expect(calc("2 ^ -1")).toBe(0.5);
    expect(calc("--3")).toBe(3);
    expect(calc("-a * 4")).toBe(-2);
  });

  it("calls min max abs floor ceil exp sqrt log", () => {
    expect(calc("min(a, b, 0.3)")).toBe(0.25);
    expect(calc("max(a, b)")).toBe(0.5);
    expect(calc("abs(b - a)")).toBe(0.25);
    expect(calc("floor(2.7) + ceil(2.1)")).toBe(5);
    expect(calc("exp(0)")).toBe(1);
    expect(calc("sqrt(16)")).toBe(4);
    expect(calc("log(exp(2))")).toBeCloseTo(2, 12);
    expect(calc("max(min(a, 1), 0) * 2")).toBe(1);
  });

  it("lists the variables a formula reads", () => {
    expect(formulaVariables(parseFormula("min(a, b) + a * c"))).toEqual(["a", "b", "c"]);
  });

  it("rejects malformed formulas with formula_parse_error", () => {
    expect(parseError(() => parseFormula("")).message).toMatch(/empty formula/);
    expect(parseError(() => parseFormula("1 +")).message).toMatch(/unexpected end/);
    expect(parseError(() => parseFormula("(1 + 2")).message).toMatch(/expected "\)"/);
    expect(parseError(() => parseFormula("1 2")).message).toMatch(/unexpected "2"/);
    expect(parseError(() => parseFormula("a; process.exit(1)")).message).toMatch(/unexpected character ";"/);
    expect(parseError(() => parseFormula("eval(1)")).message).toMatch(/unknown function "eval"/);
    expect(parseError(() => parseFormula("abs(1, 2)")).message).toMatch(/abs\(\) takes 1 argument/);
    expect(parseError(() => parseFormula("min()")).message).toMatch(/unexpected "\)"/);
    expect(parseError(() => parseFormula("a.b")).message).toMatch(/unexpected character "."|unexpected/);
  });

  it("reports unknown variables by name", () => {
    expect(parseError(() => calc("a + missing")).message).toMatch(/unknown variable "missing".*known: a, b, accuracy, fluency/);
    expect(parseError(() => evaluateFormula("constructor", {})).message).toMatch(/unknown variable "constructor"/);
  });
});
