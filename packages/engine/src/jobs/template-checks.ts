/**
 * An open-weight base renders every conversation with its own chat template, and a template may refuse one (roles
 * that do not alternate, a role it does not know, a tool-call id of the wrong form). That is found while the job
 * validates its files, naming the file and the line, instead of when training starts with no line to go on.
 * Only the templates render here (no tokenizing), a slice of examples between turns of the event loop.
 */
import { ChatInputMessage, ChatInputTool, ChatTemplate, readTokenizerFiles } from "../hf/tokenizer/index.ts";
import { toTemplateMessages } from "../hf/tokenizer/template-messages.ts";
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
  const template = ChatTemplate.fromFiles(await readTokenizerFiles(tokenizerDir));
  if (!template) return undefined; // the trainer says the model has no chat template
  for (const file of files) {
    const all = conversations(file);
    for (let start = 0; start < all.length; start += RENDER_SLICE) {
      for (const { line, messages, tools } of all.slice(start, start + RENDER_SLICE)) {
        try {
          const parsedTools = tools && tools.length > 0 ? tools.map((t) => ChatInputTool.parse(t)) : null;
          template.render(toTemplateMessages(messages.map((m) => ChatInputMessage.parse(m))), { tools: parsedTools });
        } catch (error) {
          // the template's own words (render() wraps them with the model's directory)
          const reason = ((error as Error).cause instanceof Error ? ((error as Error).cause as Error) : (error as Error)).message;
          return {
            code: "invalid_training_file",
            message: `The ${file.param.replace("_", " ")} ${file.name} line ${line}: the chat template of ${model} refuses its messages: ${reason}`,
            param: file.param,
          };
        }
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return undefined;
}
