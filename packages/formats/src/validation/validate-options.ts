import type { Encoding } from "../stats/tokenizer.ts";

export interface ValidateOptions {
  /** Shown in the report and in errors. */
  fileName: string;
  encoding?: Encoding;
  /** Tokens per example before OpenAI truncates; 16,385 as in OpenAI's guide unless the model says otherwise. */
  contextLimit?: number;
  /** Fewer examples than this is a warning (OpenAI refuses to start a job under 10). */
  minExamples?: number;
  /**
   * Extra top-level keys on a supervised line are the item's fields (a test split's `item.KEY`, e.g. `tags`), not
   * stray keys training ignores: no warning about them.
   */
  itemFields?: boolean;
}

export const DEFAULT_CONTEXT_LIMIT = 16_385;
export const MIN_TRAINING_EXAMPLES = 10;
