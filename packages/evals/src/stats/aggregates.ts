// What finalizing a run computes from its stored grades: the per-grader and per-tag summaries. A module of its own so
// the finalize worker (packages/core eval-runs/finalize) loads these statistics alone, without zod or the rest of the
// package (the schemas of these figures are in *.schema.ts beside them). aggregates.test.ts checks this entry reaches no
// zod; `pnpm lint` that the worker reaches no schema module.

export type { ScoredItem } from "./scored-item.ts";
export { summarizeByTag } from "./slice.ts";
export type { GraderSummary } from "./summary.schema.ts";
export { summarizeGraders } from "./summary.ts";
