import { z } from "zod";

/** How two JSON values are compared (json_match fields, tool_call_match arguments). */
export const JsonCompareOptions = z.object({
  /** Compare strings ignoring case and surrounding whitespace. */
  case_insensitive: z.boolean().optional(),
  /** Numbers within this absolute difference are equal. */
  numeric_tolerance: z.number().min(0).optional(),
  /** Arrays are equal when they hold the same elements in any order. */
  ignore_array_order: z.boolean().optional(),
});
export type JsonCompareOptions = z.infer<typeof JsonCompareOptions>;

/** Deep equality of parsed JSON values under `options`. Object keys are compared as sets (order never matters). */
export function jsonEqual(actual: unknown, expected: unknown, options: JsonCompareOptions = {}): boolean {
  if (typeof expected === "number" && typeof actual === "number") {
    return actual === expected || Math.abs(actual - expected) <= (options.numeric_tolerance ?? 0);
  }
  if (typeof expected === "string" && typeof actual === "string") {
    return options.case_insensitive ? actual.trim().toLowerCase() === expected.trim().toLowerCase() : actual === expected;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    if (!options.ignore_array_order) return expected.every((e, i) => jsonEqual(actual[i], e, options));
    const unused = [...actual];
    return expected.every((e) => {
      const at = unused.findIndex((a) => jsonEqual(a, e, options));
      if (at < 0) return false;
      unused.splice(at, 1);
      return true;
    });
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return false;
    const keys = Object.keys(expected);
    if (keys.length !== Object.keys(actual).length) return false;
    return keys.every((key) => Object.hasOwn(actual, key) && jsonEqual(actual[key], expected[key], options));
  }
  return actual === expected;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** JSON.parse that returns `undefined` instead of throwing. */
export function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
