import { z } from "zod";
import { ChatMessage, Tool } from "./chat.schema.ts";

/** OpenAI's preference (DPO) fine-tuning line. */
export const DPO_KEYS = ["input", "preferred_output", "non_preferred_output"] as const;

export const DpoExample = z.strictObject({
  input: z.looseObject({
    messages: z.array(ChatMessage).min(1),
    tools: z.array(Tool).optional(),
    parallel_tool_calls: z.boolean().optional(),
  }),
  preferred_output: z.array(ChatMessage).min(1),
  non_preferred_output: z.array(ChatMessage).min(1),
});
export type DpoExample = z.infer<typeof DpoExample>;
