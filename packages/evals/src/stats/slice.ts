import type { BootstrapOptions } from "./bootstrap.ts";
import type { ScoredItem } from "./scored-item.ts";
import type { GraderSummary } from "./summary.schema.ts";
import { summarizeGraders } from "./summary.ts";

/** Items grouped by tag (sorted by tag). An item with several tags is in several slices; untagged items in none. */
export function sliceByTag<T extends ScoredItem>(items: readonly T[]): Record<string, T[]> {
  const slices = new Map<string, T[]>();
  for (const item of items) {
    for (const tag of new Set(item.tags ?? [])) {
      const slice = slices.get(tag) ?? [];
      slice.push(item);
      slices.set(tag, slice);
    }
  }
  const result: Record<string, T[]> = {};
  for (const tag of [...slices.keys()].sort()) result[tag] = slices.get(tag) ?? [];
  return result;
}

/** Per tag, one summary per grader: `result[tag][grader]`. */
export function summarizeByTag(
  items: readonly ScoredItem[],
  options: BootstrapOptions = {},
): Record<string, Record<string, GraderSummary>> {
  const result: Record<string, Record<string, GraderSummary>> = {};
  for (const [tag, slice] of Object.entries(sliceByTag(items))) result[tag] = summarizeGraders(slice, options);
  return result;
}
