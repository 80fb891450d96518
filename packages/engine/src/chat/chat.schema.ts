import { z } from "zod";
import { Metadata } from "../http/metadata.schema.ts";

/** Roles whose messages OpenAI refuses without content (an assistant's may be only tool calls; legacy function results are left as they are). */
const NEEDS_CONTENT = new Set(["system", "developer", "user", "tool"]);

const Message = z
  .looseObject({
    role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
    content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
    name: z.string().optional(),
    tool_calls: z
      .array(
        z.looseObject({ id: z.string(), type: z.literal("function"), function: z.object({ name: z.string(), arguments: z.string() }) }),
      )
      .optional(),
    tool_call_id: z.string().optional(),
  })
  .superRefine((message, ctx) => {
    if (NEEDS_CONTENT.has(message.role) && (message.content === undefined || message.content === null))
      ctx.addIssue({ code: "custom", path: ["content"], message: `a ${message.role} message needs content` });
  });

/** Template variables a request's own fields, or the model's tokenizer, give. */
const RESERVED_TEMPLATE_VARIABLES = new Set([
  "messages",
  "tools",
  "add_generation_prompt",
  "bos_token",
  "eos_token",
  "unk_token",
  "pad_token",
]);

/** POST /v1/chat/completions: the parameters OpenAI accepts; unknown ones are refused as OpenAI does. */
export const ChatRequest = z.strictObject({
  model: z.string().min(1),
  messages: z.array(Message).min(1),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  n: z.number().int().min(1).max(16).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  tools: z.array(z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: z.string() }) })).nullish(),
  tool_choice: z
    .union([
      z.enum(["none", "auto", "required"]),
      z.strictObject({ type: z.literal("function"), function: z.strictObject({ name: z.string().min(1) }) }),
    ])
    .nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: z
    .discriminatedUnion("type", [
      z.strictObject({ type: z.literal("text") }),
      z.strictObject({ type: z.literal("json_object") }),
      z.strictObject({
        type: z.literal("json_schema"),
        json_schema: z.looseObject({ name: z.string().min(1).max(64), schema: z.record(z.string(), z.unknown()).optional() }),
      }),
    ])
    .nullish(),
  user: z.string().nullish(),
  metadata: Metadata.nullish(),
  store: z.boolean().nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  /** token id (as a string) → bias added to its logit; ids past the model's vocabulary are refused when it is known */
  logit_bias: z.record(z.string().regex(/^\d+$/, "a token id (a non-negative integer)"), z.number().min(-100).max(100)).nullish(),
  service_tier: z.string().nullish(),
  reasoning_effort: z.string().nullish(),
  /** vLLM's extension: variables for an open-weight model's chat template (Qwen3's `enable_thinking`). */
  chat_template_kwargs: z
    .record(z.string(), z.unknown())
    .refine((kwargs) => !Object.keys(kwargs).some((key) => RESERVED_TEMPLATE_VARIABLES.has(key)), {
      message: `may not set ${[...RESERVED_TEMPLATE_VARIABLES].join(", ")}: the request's own fields give them`,
    })
    .nullish(),
});
export type ChatRequest = z.infer<typeof ChatRequest>;
