import { InvalidArgumentError } from "commander";

/**
 * Parsers for option values, given to commander's `Option.argParser`: commander runs them while it parses the command
 * line, before any action (no workspace opened, no run started), and turns the thrown `InvalidArgumentError` into
 * "error: option '--limit <n>' argument '0' is invalid. expected a whole number ≥ 1" with the usage exit code.
 * Enumerations use commander's own `Option.choices`, which names the allowed values the same way.
 */
export type OptionParser<T> = (text: string) => T;

/** A number as typed: `""`, `abc`, `1e999` and `0x` are refused (`Number("")` would be 0). */
export function finiteNumber(text: string): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === "" || !Number.isFinite(value)) throw new InvalidArgumentError(`expected a number, got "${text}"`);
  return value;
}

/** A whole number from `min` to `max` (inclusive). */
export function integerIn(min: number, max = Number.MAX_SAFE_INTEGER): OptionParser<number> {
  return (text) => {
    const value = finiteNumber(text);
    if (!Number.isInteger(value) || value < min || value > max)
      throw new InvalidArgumentError(
        `expected a whole number ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}, got "${text}"`,
      );
    return value;
  };
}

/** 1, 2, 3, … (counts, limits, concurrency). */
export const positiveInteger: OptionParser<number> = integerIn(1);

/** 0, 1, 2, … */
export const nonNegativeInteger: OptionParser<number> = integerIn(0);

/** A number ≥ 0. */
export function nonNegativeNumber(text: string): number {
  const value = finiteNumber(text);
  if (value < 0) throw new InvalidArgumentError(`expected a number ≥ 0, got "${text}"`);
  return value;
}

/** A number > 0 (sizes). */
export function positiveNumber(text: string): number {
  const value = finiteNumber(text);
  if (value <= 0) throw new InvalidArgumentError(`expected a number > 0, got "${text}"`);
  return value;
}

/** A fraction from 0 to 1 (inclusive). */
export function fraction(text: string): number {
  const value = finiteNumber(text);
  if (value < 0 || value > 1) throw new InvalidArgumentError(`expected a fraction from 0 to 1, got "${text}"`);
  return value;
}

/** A fraction strictly between 0 and 1 (a part that leaves some of the rest: the test split's share of a file). */
export function openFraction(text: string): number {
  const value = finiteNumber(text);
  if (value <= 0 || value >= 1) throw new InvalidArgumentError(`expected a fraction between 0 and 1 (exclusive), got "${text}"`);
  return value;
}

/** A share from 0 to 1, or a percentage from 0% to 100% (`5%` is 0.05). */
export function share(text: string): number {
  const trimmed = text.trim();
  const percent = trimmed.endsWith("%");
  const value = Number(percent ? trimmed.slice(0, -1).trim() : trimmed) / (percent ? 100 : 1);
  if (trimmed === "" || trimmed === "%" || !Number.isFinite(value) || value < 0 || value > 1)
    throw new InvalidArgumentError(`expected a share from 0 to 1 or a percentage like 5%, got "${text}"`);
  return value;
}

/** A comma-separated list, each part parsed by `part` (the message names the part that failed). */
export function listOf<T>(part: OptionParser<T>): OptionParser<T[]> {
  return (text) => {
    const parts = text.split(",").map((p) => p.trim());
    if (parts.every((p) => p === "")) throw new InvalidArgumentError(`expected a comma-separated list, got "${text}"`);
    return parts.map((p, i) => {
      try {
        return part(p);
      } catch (error) {
        throw new InvalidArgumentError(`value ${i + 1} of the list: ${(error as Error).message}`);
      }
    });
  };
}

/** What `checkedBy` needs of a zod schema (the CLI does not depend on zod itself). */
interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ message: string }> } };
}

/** A value parsed by `parse`, then checked by a schema of core's (so the CLI refuses what core would). */
export function checkedBy<T>(parse: OptionParser<unknown>, schema: Schema<T>): OptionParser<T> {
  return (text) => {
    const checked = schema.safeParse(parse(text));
    if (!checked.success) throw new InvalidArgumentError(`${checked.error.issues[0]?.message ?? "invalid"}, got "${text}"`);
    return checked.data;
  };
}
