import { z } from "zod";

/**
 * A chat message as OpenAI's chat completions and fine-tuning files write it. Loose on purpose: both the engine's
 * request messages and core's validated training messages fit it; the edges that read user input validate them.
 */
export const ChatInputMessage = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() })), z.null()]).optional(),
  name: z.string().optional(),
  /** OpenAI's fine-tuning extension on assistant messages: 0 means "do not train on this reply". */
  weight: z.union([z.literal(0), z.literal(1)]).optional(),
  tool_calls: z
    .array(
      z.looseObject({
        id: z.string().optional(),
        type: z.literal("function").optional(),
        function: z.looseObject({ name: z.string(), arguments: z.string() }),
      }),
    )
    .optional(),
  tool_call_id: z.string().optional(),
  /** The legacy single function call, read as one tool call. */
  function_call: z.looseObject({ name: z.string(), arguments: z.string() }).optional(),
});
export type ChatInputMessage = z.infer<typeof ChatInputMessage>;

/** An OpenAI tool definition, passed to chat templates unchanged (`{"type": "function", "function": {...}}`). */
export const ChatInputTool = z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: z.string() }) });
export type ChatInputTool = z.infer<typeof ChatInputTool>;
