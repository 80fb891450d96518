import { z } from "zod";
import { statusOf } from "../grade.ts";
import { ItemRecord, type ItemStatus } from "./item-record.ts";
import { addUsage, ZERO_USAGE } from "./usage.ts";

export const ResultCounts = z.object({
  total: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  errored: z.number().int(),
});
export type ResultCounts = z.infer<typeof ResultCounts>;

export const TestingCriteriaResult = z.object({
  testing_criteria: z.string(),
  passed: z.number().int(),
  failed: z.number().int(),
  errored: z.number().int(),
});
export type TestingCriteriaResult = z.infer<typeof TestingCriteriaResult>;

/** Provider usage per model; cache hits are not invocations and their tokens are not counted here. */
export const ModelUsage = z.object({
  model_name: z.string(),
  invocation_count: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  cached_tokens: z.number().int(),
});
export type ModelUsage = z.infer<typeof ModelUsage>;

/** OpenAI's eval-run shape, plus the per-item records (in input order). */
export const RunSummary = z.object({
  result_counts: ResultCounts,
  per_testing_criteria_results: z.array(TestingCriteriaResult),
  per_model_usage: z.array(ModelUsage),
  /** Items whose completion came from the cache. */
  cache_hits: z.number().int(),
  items: z.array(ItemRecord),
});
export type RunSummary = z.infer<typeof RunSummary>;

/**
 * Aggregates item records into OpenAI's run shape. Core calls it with all persisted records of a resumed run
 * (previous + new) to get the run's totals. `graderNames` fixes the criteria order (default: first seen).
 */
export function summarizeRecords(records: readonly ItemRecord[], graderNames?: readonly string[]): RunSummary {
  const counts: Record<ItemStatus, number> = { passed: 0, failed: 0, errored: 0 };
  const criteria = new Map<string, TestingCriteriaResult>();
  for (const name of graderNames ?? []) criteria.set(name, { testing_criteria: name, passed: 0, failed: 0, errored: 0 });
  const usage = new Map<string, ModelUsage>();
  let cacheHits = 0;
  for (const record of records) {
    counts[record.status]++;
    for (const [name, grade] of Object.entries(record.grades)) {
      const entry = criteria.get(name) ?? { testing_criteria: name, passed: 0, failed: 0, errored: 0 };
      entry[statusOf(grade)]++;
      criteria.set(name, entry);
    }
    if (record.cached) {
      cacheHits++;
      continue;
    }
    const entry = usage.get(record.model) ?? { model_name: record.model, invocation_count: 0, ...ZERO_USAGE };
    if (record.sample)
      usage.set(record.model, { ...entry, ...addUsage(entry, record.usage), invocation_count: entry.invocation_count + 1 });
    else usage.set(record.model, entry);
  }
  return {
    result_counts: { total: records.length, ...counts },
    per_testing_criteria_results: [...criteria.values()],
    per_model_usage: [...usage.values()],
    cache_hits: cacheHits,
    items: [...records],
  };
}
