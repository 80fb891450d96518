import { z } from "zod";

/** OpenAI's chat fine-tuning format, as the fine-tuning API accepts it. Structure only: semantic rules live in validation/. */

export const ROLES = ["system", "developer", "user", "assistant", "tool", "function"] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const TextPart = z.strictObject({ type: z.literal("text"), text: z.string() });
export const ImagePart = z.strictObject({
  type: z.literal("image_url"),
  image_url: z.strictObject({
    url: z.string(),
    detail: z.enum(["auto", "low", "high"]).optional(),
  }),
});
export const ContentPart = z.discriminatedUnion("type", [TextPart, ImagePart]);
export type ContentPart = z.infer<typeof ContentPart>;

export const Content = z.union([z.string(), z.array(ContentPart), z.null()]);
export type Content = z.infer<typeof Content>;

export const FunctionCall = z.strictObject({ name: z.string().min(1), arguments: z.string() });

export const ToolCall = z.strictObject({
  id: z.string().min(1),
  type: z.literal("function"),
  function: FunctionCall,
});
export type ToolCall = z.infer<typeof ToolCall>;

export const MESSAGE_KEYS = ["role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call", "refusal"] as const;

export const ChatMessage = z.strictObject({
  role: Role,
  content: Content.optional(),
  name: z.string().optional(),
  weight: z.union([z.literal(0), z.literal(1)]).optional(),
  tool_calls: z.array(ToolCall).optional(),
  tool_call_id: z.string().optional(),
  function_call: FunctionCall.optional(),
  refusal: z.string().nullable().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const FunctionDefinition = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "a function name of 1-64 letters, digits, '_' or '-'"),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().nullable().optional(),
});

export const Tool = z.strictObject({ type: z.literal("function"), function: FunctionDefinition });
export type Tool = z.infer<typeof Tool>;

/** Top-level keys of a supervised chat example; others make a line reinforcement (RFT) data when its messages end before the answer, and are ignored otherwise. */
export const SFT_KEYS = ["messages", "tools", "parallel_tool_calls", "functions"] as const;

export const ChatExample = z.looseObject({
  messages: z.array(ChatMessage),
  tools: z.array(Tool).optional(),
  parallel_tool_calls: z.boolean().optional(),
  functions: z.array(FunctionDefinition).optional(),
});
export type ChatExample = z.infer<typeof ChatExample>;
