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
  const tally = new RecordTally(graderNames);
  for (const record of records) tally.add(record);
  return tally.summary([...records]);
}

/** `summarizeRecords` one record at a time, without keeping the records (a runner that persists them as they finish). */
export class RecordTally {
  private total = 0;
  private readonly counts: Record<ItemStatus, number> = { passed: 0, failed: 0, errored: 0 };
  private readonly criteria = new Map<string, TestingCriteriaResult>();
  private readonly usage = new Map<string, ModelUsage>();
  private cacheHits = 0;

  constructor(graderNames?: readonly string[]) {
    for (const name of graderNames ?? []) this.criteria.set(name, { testing_criteria: name, passed: 0, failed: 0, errored: 0 });
  }

  add(record: ItemRecord): void {
    this.total++;
    this.counts[record.status]++;
    for (const [name, grade] of Object.entries(record.grades)) {
      const entry = this.criteria.get(name) ?? { testing_criteria: name, passed: 0, failed: 0, errored: 0 };
      entry[statusOf(grade)]++;
      this.criteria.set(name, entry);
    }
    if (record.cached) {
      this.cacheHits++;
      return;
    }
    const entry = this.usage.get(record.model) ?? { model_name: record.model, invocation_count: 0, ...ZERO_USAGE };
    if (record.sample)
      this.usage.set(record.model, { ...entry, ...addUsage(entry, record.usage), invocation_count: entry.invocation_count + 1 });
    else this.usage.set(record.model, entry);
  }

  /** The run shape of every record added, with `items` as given (the records, or none when they were not kept). */
  summary(items: ItemRecord[]): RunSummary {
    return {
      result_counts: { total: this.total, ...this.counts },
      per_testing_criteria_results: [...this.criteria.values()].map((entry) => ({ ...entry })),
      per_model_usage: [...this.usage.values()],
      cache_hits: this.cacheHits,
      items,
    };
  }
}
