import { z } from "zod";
import { closestName } from "../template/closest-name.ts";

/**
 * A grader config object (or an object inside one, such as `sampling_params`) that refuses keys it does not know,
 * so a typo (`pass_treshold`) is an error rather than a setting silently dropped. The error names the unknown key
 * and the closest known one: `unknown key "pass_treshold" (did you mean "pass_threshold"?)`.
 */
export function configObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? unknownKeysMessage(issue.keys, known) : undefined),
  });
}

/** `unknown key "x" (did you mean "y"?)`; without a close known key, the known keys are listed. */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  let unmatched = false;
  const named = keys.map((key) => {
    const near = closestName(key, known);
    if (near === undefined) unmatched = true;
    return near === undefined ? JSON.stringify(key) : `${JSON.stringify(key)} (did you mean ${JSON.stringify(near)}?)`;
  });
  const list = unmatched ? ` (known keys: ${known.join(", ")})` : "";
  return `unknown key${keys.length === 1 ? "" : "s"} ${named.join(", ")}${list}`;
}
