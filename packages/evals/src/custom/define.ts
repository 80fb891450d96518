import type { z } from "zod";
import type { EvalItem, Sample } from "../item.ts";

/** What a custom grader's `grade` may return: a score, pass/fail, or a full result. */
export type CustomGradeResult = number | boolean | { score: number; passed?: boolean; reason?: string; subScores?: Record<string, number> };

/** A custom grader module's export. `configSchema` (zod, or any Standard Schema) validates the `config` it is given. */
export interface CustomGraderDefinition<Config = unknown> {
  name: string;
  version: string;
  description?: string;
  configSchema?: z.ZodType<Config>;
  grade(sample: Sample, item: EvalItem, config: Config): CustomGradeResult | Promise<CustomGradeResult>;
}

/**
 * Declares a custom grader; export it from a `.ts` or `.js` module (as the default export, or a named export) and
 * register the module by path. The module runs in a worker thread with a time limit, a heap limit, capped output and
 * a scrubbed `process.env` (only the variables its config declares in `env`); its identity is its name plus
 * the SHA-256 of the file, so scores from different grader code are never mixed.
 *
 *     export default defineGrader({
 *       name: "polite", version: "1", configSchema: z.object({ words: z.array(z.string()) }),
 *       grade: (sample, _item, config) => config.words.some((w) => sample.output_text.includes(w)),
 *     });
 */
export function defineGrader<Config>(definition: CustomGraderDefinition<Config>): CustomGraderDefinition<Config> {
  return definition;
}

/** Duck-typed check (the module may have its own copy of this package and of zod). */
export function isGraderDefinition(value: unknown): value is CustomGraderDefinition {
  if (value === null || typeof value !== "object") return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.name === "string" && typeof candidate.version === "string" && typeof candidate.grade === "function";
}
