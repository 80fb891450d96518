import { EvalItem } from "@tunelab/evals";
import { z } from "zod";

/** Which page of a project's test split (its latest version unless one is named); query-string values are coerced. */
export const TestSplitPageQuery = z.object({
  version: z.coerce.number().int().positive().optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type TestSplitPageQuery = z.input<typeof TestSplitPageQuery>;

/** Test items as graders see them, searched: items whose id, non-system messages, reference or tags contain `q`. */
export const TestItemQuery = TestSplitPageQuery.extend({ q: z.string().max(200).optional() });
export type TestItemQuery = z.input<typeof TestItemQuery>;

const Page = {
  /** The test split version the page is of, e.g. `test@1`. */
  version: z.string(),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
};

/** A test item (evals' EvalItem), loose as it is: it keeps every other key of its JSONL line. */
export const TestItemPage = z.object({ ...Page, data: z.array(z.looseObject(EvalItem.shape)) });
export type TestItemPage = z.infer<typeof TestItemPage>;

/** One test-split line split at its last assistant message, as the eval runner splits it. */
export const TestPrompt = z.object({
  /** 0-based position in the test split. */
  position: z.number().int(),
  id: z.string(),
  /** The last user message before the last assistant message, as text. */
  prompt: z.string(),
  /** The last assistant message as text; null when the line has none. */
  reference: z.string().nullable(),
  tags: z.array(z.string()),
  /** The JSONL line as stored. */
  line: z.record(z.string(), z.unknown()),
});
export type TestPrompt = z.infer<typeof TestPrompt>;

export const TestPromptPage = z.object({ ...Page, data: z.array(TestPrompt) });
export type TestPromptPage = z.infer<typeof TestPromptPage>;
