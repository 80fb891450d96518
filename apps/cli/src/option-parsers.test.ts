import { Command, InvalidArgumentError, Option } from "commander";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  checkedBy,
  finiteNumber,
  fraction,
  integerIn,
  listOf,
  nonNegativeInteger,
  nonNegativeNumber,
  openFraction,
  positiveInteger,
  positiveNumber,
  share,
} from "./option-parsers.ts";

const refused = (parse: (text: string) => unknown, text: string) => {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as Error).message;
  }
  throw new Error(`"${text}" was accepted`);
};

describe("option parsers", () => {
  it("reads numbers and refuses what is not one (an empty string is not 0)", () => {
    expect(finiteNumber(" 2.5 ")).toBe(2.5);
    expect(finiteNumber("-1e-3")).toBe(-0.001);
    for (const text of ["", " ", "abc", "0.0.1", "1e999", "NaN", "Infinity", "2x"])
      expect(refused(finiteNumber, text)).toBe(`expected a number, got "${text}"`);
  });

  it("positive and non-negative whole numbers", () => {
    expect(positiveInteger("1")).toBe(1);
    expect(positiveInteger("50")).toBe(50);
    expect(refused(positiveInteger, "0")).toBe('expected a whole number ≥ 1, got "0"');
    expect(refused(positiveInteger, "-3")).toBe('expected a whole number ≥ 1, got "-3"');
    expect(refused(positiveInteger, "2.5")).toBe('expected a whole number ≥ 1, got "2.5"');
    expect(refused(positiveInteger, "ten")).toBe('expected a number, got "ten"');
    expect(nonNegativeInteger("0")).toBe(0);
    expect(refused(nonNegativeInteger, "-1")).toBe('expected a whole number ≥ 0, got "-1"');
    expect(integerIn(0, 65_535)("8787")).toBe(8787);
    expect(refused(integerIn(0, 65_535), "70000")).toBe('expected a whole number from 0 to 65535, got "70000"');
  });

  it("non-negative numbers, fractions and shares", () => {
    expect(nonNegativeNumber("0")).toBe(0);
    expect(nonNegativeNumber("0.02")).toBe(0.02);
    expect(refused(nonNegativeNumber, "-0.1")).toBe('expected a number ≥ 0, got "-0.1"');
    expect(positiveNumber("1920")).toBe(1920);
    expect(refused(positiveNumber, "0")).toBe('expected a number > 0, got "0"');
    expect(fraction("0")).toBe(0);
    expect(fraction("1")).toBe(1);
    expect(fraction("0.05")).toBe(0.05);
    expect(refused(fraction, "1.5")).toBe('expected a fraction from 0 to 1, got "1.5"');
    expect(refused(fraction, "5%")).toBe('expected a number, got "5%"');
    expect(openFraction("0.1")).toBe(0.1);
    for (const text of ["0", "1", "-0.2", "1.5"])
      expect(refused(openFraction, text)).toBe(`expected a fraction between 0 and 1 (exclusive), got "${text}"`);
    expect(share("0.1")).toBe(0.1);
    expect(share("5%")).toBe(0.05);
    expect(share("100%")).toBe(1);
    for (const text of ["", "%", "101%", "-1%", "2", "abc%"])
      expect(refused(share, text)).toBe(`expected a share from 0 to 1 or a percentage like 5%, got "${text}"`);
  });

  it("comma lists name the value that failed", () => {
    expect(listOf(positiveInteger)("100, 200,400")).toEqual([100, 200, 400]);
    expect(refused(listOf(positiveInteger), "100,x")).toBe('value 2 of the list: expected a number, got "x"');
    expect(refused(listOf(positiveInteger), ",")).toBe('expected a comma-separated list, got ","');
  });

  it("checks a parsed value with a schema", () => {
    const seed = checkedBy(finiteNumber, z.number().int().min(0, "must be ≥ 0"));
    expect(seed("7")).toBe(7);
    expect(refused(seed, "-1")).toBe('must be ≥ 0, got "-1"');
    expect(refused(seed, "x")).toBe('expected a number, got "x"');
  });

  it("commander refuses a bad value while parsing, naming the option, before any action runs", () => {
    let ran = false;
    let stderr = "";
    const program = new Command("t")
      .exitOverride()
      .configureOutput({ writeErr: (s) => (stderr += s) })
      .addOption(new Option("--limit <n>", "rows").argParser(positiveInteger).default(50))
      .action(() => {
        ran = true;
      });
    expect(() => program.parse(["--limit", "0"], { from: "user" })).toThrow();
    expect(ran).toBe(false);
    expect(stderr).toContain("option '--limit <n>' argument '0' is invalid. expected a whole number ≥ 1");
    program.parse([], { from: "user" });
    expect(program.opts()).toEqual({ limit: 50 });
  });
});
