import { z } from "zod";
import { Grade } from "../grade.schema.ts";
import { ToolCall } from "../item.ts";
import { SampleError } from "./sample-error.ts";
import { Usage } from "./usage.ts";

/** The sample graders saw (`Sample`). */
export const SampleRecord = z.object({
  output_text: z.string(),
  output_json: z.unknown().optional(),
  output_tools: z.array(ToolCall).optional(),
});

export const ItemStatus = z.enum(["passed", "failed", "errored"]);
export type ItemStatus = z.infer<typeof ItemStatus>;

/**
 * One finished item of a run: what the runner hands to `onSample` and returns. An item passes when every grader
 * passed; it is errored when sampling failed (`sample` null, `sample_error` set, every grade errored) or any grader
 * errored; otherwise failed.
 */
export const ItemRecord = z.object({
  item_id: z.string(),
  /** Trial index (0-based), present when the run samples each item more than once. */
  trial: z.number().int().nonnegative().optional(),
  tags: z.array(z.string()),
  status: ItemStatus,
  sample: SampleRecord.nullable(),
  sample_error: SampleError.optional(),
  /** One grade per grader name. */
  grades: z.record(z.string(), Grade),
  model: z.string(),
  /** The completion's usage (also when it came from the cache); zeros when sampling failed. */
  usage: Usage,
  /** True when the completion came from the completion cache (no provider call). */
  cached: z.boolean(),
  /** Provider calls made for this item (0 for a cache hit). */
  attempts: z.number().int(),
  finish_reason: z.string().nullable(),
  /** The reasoning the model returned beside its answer (see Completion's `output_reasoning`); graders do not see it. */
  reasoning: z.string().optional(),
  latency_ms: z.number(),
});
export type ItemRecord = z.infer<typeof ItemRecord>;
