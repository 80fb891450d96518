import { z } from "zod";
import { ToolCall } from "../item.ts";
import { Usage } from "./usage.ts";

/** What the runner keeps of one chat completion (and what the completion cache stores). */
export const Completion = z.object({
  output_text: z.string(),
  output_tools: z.array(ToolCall).optional(),
  /**
   * The reasoning a model returned beside its answer (`message.reasoning_content` from DeepSeek, vLLM and the local
   * engine; `message.reasoning` from newer vLLM and OpenRouter). Kept with the sample to read; graders do not see it.
   */
  output_reasoning: z.string().optional(),
  finish_reason: z.string().nullable(),
  usage: Usage,
});
export type Completion = z.infer<typeof Completion>;
