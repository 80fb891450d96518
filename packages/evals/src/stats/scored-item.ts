import type { Grade } from "../grade.ts";

/**
 * What the statistics need of one item of a run: its id, its tags (for slices) and one grade per grader name.
 * The runner's item records have this shape.
 */
export interface ScoredItem {
  item_id: string;
  tags?: readonly string[];
  grades: Readonly<Record<string, Grade>>;
  /** Trial index (0-based) when each item was sampled several times; absent or 0 for a single trial. */
  trial?: number | undefined;
}
