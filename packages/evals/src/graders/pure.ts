import type { LeafGraderConfig, LeafGraderType } from "./leaf-registry.ts";
import type { MultiConfig } from "./multi.ts";

/**
 * Leaf grader types that compute a grade from the sample and the item alone: no model or embeddings call, no user
 * code, no process, no file. Exhaustive (a new type must be classified here). `text_similarity` is pure except with
 * `cosine`, which calls the provider's embeddings endpoint.
 */
const PURE: { [T in LeafGraderType]: boolean } = {
  string_check: true,
  text_similarity: true,
  json_valid: true,
  json_schema: true,
  json_match: true,
  tool_call_match: true,
  regex: true,
  numeric: true,
  length: true,
  score_model: false,
  label_model: false,
  python: false,
  custom: false,
};

/**
 * Whether a grader config is pure (see `PURE`; a `multi` when all its graders are), so that it grades the same in any
 * thread: the runner may grade it in a worker thread of its grading pool. Code graders (python, custom) never are:
 * they keep their own isolation (sandboxed process, worker with limits); model graders need the provider's client.
 */
export function isPureGrader(config: LeafGraderConfig | MultiConfig): boolean {
  if (config.type === "multi") return Object.values(config.graders).every((sub) => isPureGrader(sub));
  if (config.type === "text_similarity") return config.evaluation_metric !== "cosine";
  return PURE[config.type];
}

/**
 * Whether a pure grader can take unbounded time on one sample: `regex` patterns and JSON Schema `pattern`s run on a
 * backtracking engine, where nested quantifiers such as `(a+)+` take exponential time (a schema without `pattern` or
 * `patternProperties` runs none, so it stays here). Such graders are graded in a
 * worker thread with a deadline (`GradingPool`) even in a small run, so a stuck pattern never freezes the process that
 * runs it (an API server among others).
 */
export function mayBacktrack(config: LeafGraderConfig | MultiConfig): boolean {
  if (config.type === "multi") return Object.values(config.graders).some((sub) => mayBacktrack(sub));
  if (config.type === "json_schema") return /"pattern(Properties)?"\s*:/.test(JSON.stringify(config.schema));
  return config.type === "regex";
}
