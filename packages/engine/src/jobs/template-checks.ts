/**
 * An open-weight base renders every conversation with its own chat template, and a template may refuse one (roles
 * that do not alternate, a role it does not know, a tool-call id of the wrong form). That is found while the job
 * validates its files, naming the file and the line, instead of when training starts with no line to go on.
 * A template that silently drops the assistant's tool calls (Phi-3.5's writes only `content`) is refused for examples
 * that have them: the model would learn to answer nothing. So is one that drops the request's tools (Phi-3.5's and
 * Gemma 2's write none): the model would never see them (hf/tokenizer/unwritten-tools.ts). So is text that spells a
 * special token the model has no embedding for (Gemma 3's `<image_soft_token>`). Only the templates render
 * here (no tokenizing), a slice of examples between turns of the event loop.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ChatInputMessage, ChatInputTool, ChatTemplate, readTokenizerFiles } from "../hf/tokenizer/index.ts";
import { type TemplateMessage, toTemplateMessages } from "../hf/tokenizer/template-messages.ts";
import { unwrittenTools } from "../hf/tokenizer/unwritten-tools.ts";
import { tokenizerIds } from "../hf/vocab-fit.ts";
import type { ChatExample, PreferenceExample } from "../trainer/types.ts";
import type { JobError } from "./job.schema.ts";

/** Examples rendered between two turns of the event loop. */
const RENDER_SLICE = 200;

export interface TemplateCheckFile {
  name: string;
  param: "training_file" | "validation_file";
  examples: readonly ChatExample[];
  preferences: readonly PreferenceExample[];
}

/** The conversations a line trains on: its messages, or a preference pair's two. */
function conversations(file: TemplateCheckFile): Array<{ line: number; messages: ChatExample["messages"]; tools: unknown[] | undefined }> {
  if (file.preferences.length > 0) {
    return file.preferences.flatMap((p, i) => [
      { line: i + 1, messages: [...p.input.messages, ...p.preferred_output], tools: p.input.tools },
      { line: i + 1, messages: [...p.input.messages, ...p.non_preferred_output], tools: p.input.tools },
    ]);
  }
  return file.examples.map((e, i) => ({ line: i + 1, messages: e.messages, tools: e.tools }));
}

/** The first line of the files whose conversation the base's chat template (in `tokenizerDir`) refuses, as the job's error. */
export async function checkChatTemplate(
  tokenizerDir: string,
  model: string,
  files: readonly TemplateCheckFile[],
): Promise<JobError | undefined> {
  const tokenizerFiles = await readTokenizerFiles(tokenizerDir);
  const template = ChatTemplate.fromFiles(tokenizerFiles);
  if (!template) return undefined; // the trainer says the model has no chat template
  const unembedded = unembeddedTokens(tokenizerDir, tokenizerFiles.tokenizerJson);
  for (const file of files) {
    const all = conversations(file);
    for (let start = 0; start < all.length; start += RENDER_SLICE) {
      for (const { line, messages, tools } of all.slice(start, start + RENDER_SLICE)) {
        let written: string;
        let converted: TemplateMessage[];
        let parsedTools: ChatInputTool[] | null;
        try {
          parsedTools = tools && tools.length > 0 ? tools.map((t) => ChatInputTool.parse(t)) : null;
          converted = toTemplateMessages(messages.map((m) => ChatInputMessage.parse(m)));
          written = template.render(converted, { tools: parsedTools });
        } catch (error) {
          // the template's own words (render() wraps them with the model's directory)
          const reason = ((error as Error).cause instanceof Error ? ((error as Error).cause as Error) : (error as Error)).message;
          return {
            code: "invalid_training_file",
            message: `The ${file.param.replace("_", " ")} ${file.name} line ${line}: the chat template of ${model} refuses its messages: ${reason}`,
            param: file.param,
          };
        }
        const spelled = unembedded.find((t) => written.includes(t.content));
        if (spelled)
          return {
            code: "invalid_training_file",
            message: `The ${file.param.replace("_", " ")} ${file.name} line ${line}: the text holds ${spelled.content} (token id ${spelled.id}), a token of ${model}'s tokenizer the model has no embedding row for; remove it from the text.`,
            param: file.param,
          };
        const unwritten = unwrittenTools(template, converted, parsedTools, written);
        if (unwritten === "tool_calls")
          return {
            code: "invalid_training_file",
            message: `The ${file.param.replace("_", " ")} ${file.name} line ${line}: the chat template of ${model} does not write the assistant's tool_calls (it renders the conversation the same without them), so the model would learn to reply with nothing instead of calling the tool. Tool-calling data needs a base whose template writes tool calls (Llama 3.1+, Qwen2.5+, Qwen3, Mistral v0.3, Granite 3, SmolLM3, Phi-4-mini).`,
            param: file.param,
          };
        if (unwritten === "tools")
          return {
            code: "invalid_training_file",
            message: `The ${file.param.replace("_", " ")} ${file.name} line ${line}: the chat template of ${model} does not write the tools (it renders the conversation the same without them), so the model would never see them. Leave \`tools\` out of these lines, or use a base whose template writes tools (Llama 3.1+, Qwen2.5+, Qwen3, Mistral v0.3, Granite 3, SmolLM3, Phi-4-mini).`,
            param: file.param,
          };
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return undefined;
}

/** The tokenizer's special tokens past the model's embedding (Gemma 3's <image_soft_token>; vocab-fit.ts): text must not spell them. */
function unembeddedTokens(dir: string, tokenizerJson: unknown): Array<{ id: number; content: string }> {
  const config = join(dir, "config.json");
  if (!existsSync(config)) return [];
  const rows = (JSON.parse(readFileSync(config, "utf8")) as { vocab_size?: unknown }).vocab_size;
  return typeof rows === "number" ? tokenizerIds(tokenizerJson, rows).unembedded : [];
}
