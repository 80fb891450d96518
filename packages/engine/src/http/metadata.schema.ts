import { z } from "zod";

/** OpenAI's `metadata`: at most 16 key-value pairs, keys up to 64 characters, values up to 512. */
export const Metadata = z
  .record(z.string().max(64), z.string().max(512))
  .refine((pairs) => Object.keys(pairs).length <= 16, "expected at most 16 key-value pairs");
