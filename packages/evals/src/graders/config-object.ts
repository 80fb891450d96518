import { z } from "zod";

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
    const near = closestKey(key, known);
    if (near === undefined) unmatched = true;
    return near === undefined ? JSON.stringify(key) : `${JSON.stringify(key)} (did you mean ${JSON.stringify(near)}?)`;
  });
  const list = unmatched ? ` (known keys: ${known.join(", ")})` : "";
  return `unknown key${keys.length === 1 ? "" : "s"} ${named.join(", ")}${list}`;
}

/** The known key nearest to `key` by edit distance (case aside), when it is near enough to be a likely typo. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(key.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

/** Levenshtein distance, with a transposition of two neighbours counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const above = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (rows[i - 2]?.[j - 2] as number) + 1);
      row[j] = value;
    }
  }
  return rows[a.length]?.[b.length] as number;
}
