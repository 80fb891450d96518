import { Grade, ToolCall } from "@tunelab/evals";
import { z } from "zod";

export const SampleStatus = z.enum(["passed", "failed", "errored"]);
export type SampleStatus = z.infer<typeof SampleStatus>;

/**
 * One scored sample of a run as people read it: the output, its grades, and the item's prompt and reference as text.
 * `output` and `reference` are written as `shownAnswer` writes an answer: the text, then each tool call as
 * `name(arguments)` on a line of its own; `outputTools` and `referenceTools` hold the calls themselves.
 */
export const SampleView = z.object({
  itemId: z.string(),
  /** Trial index (0-based) in a run with several trials per item. */
  trial: z.number().int(),
  /** 0-based position of the item in the test split. */
  position: z.number().int(),
  status: SampleStatus,
  output: z.string().nullable(),
  /** The tool calls the model made (OpenAI's shape); null when it made none. */
  outputTools: z.array(ToolCall).nullable(),
  /** The reasoning the model returned beside its answer (graders do not see it); null when none. */
  reasoning: z.string().nullable(),
  error: z.object({ type: z.string().optional(), message: z.string().optional() }).nullable(),
  grades: z.record(z.string(), Grade),
  tags: z.array(z.string()),
  /** The item's prompt (its last user message before the last assistant message) and reference, as text. */
  prompt: z.string(),
  reference: z.string().nullable(),
  /** The reference answer's tool calls; null when it has none. */
  referenceTools: z.array(ToolCall).nullable(),
});
export type SampleView = z.infer<typeof SampleView>;

/** Which samples, in which order: filters, a search, a sort and a page (query-string values are coerced). */
export const SampleQuery = z.object({
  status: SampleStatus.optional(),
  tag: z.string().max(100).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** `item` (test split order, the default), `status`, or `grader:NAME` (that grader's score). */
  sort: z.union([z.enum(["item", "status"]), z.string().regex(/^grader:.{1,100}$/)]).default("item"),
  order: z.enum(["asc", "desc"]).default("asc"),
  /** Only samples whose item id, output (tool calls too), prompt, reference or tags contain this text (any case). */
  q: z.string().max(200).optional(),
});
export type SampleQuery = z.input<typeof SampleQuery>;

export const SamplePage = z.object({
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  data: z.array(SampleView),
});
export type SamplePage = z.infer<typeof SamplePage>;
