import { z } from "zod";
import type { TemplateScope } from "./render.ts";
import { renderTemplate } from "./render.ts";
import { TemplateString } from "./template-string.ts";

/** A content part of an OpenAI grader input message (Responses API style, or Chat Completions style). */
export const InputContentPart = z.discriminatedUnion("type", [
  z.object({ type: z.enum(["input_text", "output_text", "text"]), text: TemplateString }),
  z.object({ type: z.literal("input_image"), image_url: TemplateString, detail: z.string().optional() }),
  z.object({ type: z.literal("image_url"), image_url: z.object({ url: TemplateString, detail: z.string().optional() }) }),
  z.object({ type: z.literal("input_audio"), input_audio: z.object({ data: TemplateString, format: z.enum(["mp3", "wav"]) }) }),
]);
export type InputContentPart = z.infer<typeof InputContentPart>;

/** One message of a model grader's `input`: `{role, content}` where content is a template string or parts. */
export const InputMessageTemplate = z.object({
  type: z.literal("message").optional(),
  role: z.enum(["system", "developer", "user", "assistant"]),
  // OpenAI's GraderInputs: a list whose entries are parts or plain (template) strings
  content: z.union([TemplateString, InputContentPart, z.array(z.union([TemplateString, InputContentPart]))]),
});
export type InputMessageTemplate = z.infer<typeof InputMessageTemplate>;

/** A rendered message ready for Chat Completions. */
export interface RenderedMessage {
  role: InputMessageTemplate["role"];
  content:
    | string
    | Array<
        | { type: "text"; text: string }
        | { type: "image_url"; image_url: { url: string; detail?: string } }
        | { type: "input_audio"; input_audio: { data: string; format: "mp3" | "wav" } }
      >;
}

/**
 * Renders the templates of every message: string content, text parts, image URLs and audio data. Responses-style parts
 * (`input_text`, `output_text`, `input_image`) become Chat Completions parts; `input_audio` (base64 `data` and
 * `format` mp3 or wav, as OpenAI's grader inputs take it) is the same part in both; a string in a list of parts is a
 * text part; a single text part becomes a string.
 */
export function renderMessages(messages: readonly InputMessageTemplate[], scope: TemplateScope): RenderedMessage[] {
  return messages.map((message) => ({ role: message.role, content: renderContent(message.content, scope) }));
}

function renderContent(content: InputMessageTemplate["content"], scope: TemplateScope): RenderedMessage["content"] {
  if (typeof content === "string") return renderTemplate(content, scope);
  const parts = (Array.isArray(content) ? content : [content]).map((part) => {
    if (typeof part === "string") return { type: "text" as const, text: renderTemplate(part, scope) };
    if (part.type === "input_image") {
      const url = renderTemplate(part.image_url, scope);
      return { type: "image_url" as const, image_url: part.detail ? { url, detail: part.detail } : { url } };
    }
    if (part.type === "image_url") {
      const url = renderTemplate(part.image_url.url, scope);
      return { type: "image_url" as const, image_url: part.image_url.detail ? { url, detail: part.image_url.detail } : { url } };
    }
    if (part.type === "input_audio") {
      const { data, format } = part.input_audio;
      return { type: "input_audio" as const, input_audio: { data: renderTemplate(data, scope), format } };
    }
    return { type: "text" as const, text: renderTemplate(part.text, scope) };
  });
  const [only] = parts;
  return parts.length === 1 && only?.type === "text" ? only.text : parts;
}
