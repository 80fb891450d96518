import type { Template } from "@huggingface/jinja";
import { TunelabError } from "@tunelab/base";
import type { ChatInputTool } from "./chat-message.schema.ts";
import { usesGraniteToolCalls, withGraniteToolCalls } from "./granite-tool-calls.ts";
import { compileChatTemplate } from "./jinja-template.ts";
import type { TokenizerFiles } from "./model-files.ts";
import { usesXmlTools, withXmlToolCalls, xmlToolsVariables } from "./smollm3-tools.ts";
import { specialTokenTexts } from "./special-ids.ts";
import { foldSystemIntoFirstUser } from "./system-fold.ts";
import { usesSystemMessageTools, withSystemMessageTools } from "./system-message-tools.ts";
import type { TemplateMessage } from "./template-messages.ts";
import { usesMistralToolCalls, withNineCharacterIds } from "./tool-call-ids.ts";

export interface TemplateRenderOptions {
  tools?: readonly ChatInputTool[] | null | undefined;
  /** End with the header of an assistant turn, so that the model writes the reply. */
  addGenerationPrompt?: boolean;
  /** Extra variables some templates read (Qwen3's `enable_thinking`, Llama 3.1's `date_string`). */
  variables?: Readonly<Record<string, unknown>>;
}

/**
 * Tools and tool calls as the template's convention needs them: Mistral's 9-character ids, Phi-4-mini's tools on the
 * system message and calls in the content, Granite's calls in the content, SmolLM3's `xml_tools` and calls in the
 * content. Returns the messages and any template variables to add.
 */
function shapeTools(
  source: string,
  messages: readonly TemplateMessage[],
  tools: readonly ChatInputTool[] | null,
): { messages: readonly TemplateMessage[]; variables: Record<string, unknown> } {
  if (usesMistralToolCalls(source)) return { messages: withNineCharacterIds(messages), variables: {} };
  if (usesSystemMessageTools(source)) return { messages: withSystemMessageTools(messages, tools), variables: {} };
  if (usesGraniteToolCalls(source)) return { messages: withGraniteToolCalls(messages), variables: {} };
  if (usesXmlTools(source)) return { messages: withXmlToolCalls(messages), variables: xmlToolsVariables(tools) };
  return { messages, variables: {} };
}

/**
 * A model's chat template(s), rendered with @huggingface/jinja the way transformers' apply_chat_template does:
 * `messages`, `tools` (none when absent), `add_generation_prompt` and the special tokens (`bos_token`,
 * `eos_token`, `unk_token`, `pad_token`). When tokenizer_config.json holds a list of named templates, `tool_use`
 * is used for requests with tools when the model has one, `default` otherwise. A template of Mistral's tool-call
 * convention gets tool-call ids as the 9 letters and digits it requires (tool-call-ids.ts), Phi-4-mini's the tools on
 * its system message and the calls in the content (system-message-tools.ts), one of Granite's gets the calls
 * written into the content as Granite writes them (granite-tool-calls.ts), SmolLM3's its tools as `xml_tools` and the
 * calls in the content (smollm3-tools.ts). A template without a system
 * role (it refuses a system message before a user message that it accepts alone: Mistral v0.1/v0.2, Gemma 2) gets a
 * leading system message at the start of the first user message (system-fold.ts).
 */
export class ChatTemplate {
  readonly names: readonly string[];
  readonly #sources: ReadonlyMap<string, string>;
  readonly #compiled = new Map<string, Template>();
  readonly #tokens: Readonly<Record<string, string>>;
  readonly #origin: string;
  /** Per template name: whether it accepts a system message (asked of the template once). */
  readonly #systemRole = new Map<string, boolean>();

  /** The template of a model directory (tokenizer_config.json's `chat_template`, else chat_template.jinja), or null. */
  static fromFiles(files: TokenizerFiles): ChatTemplate | null {
    const configured = files.tokenizerConfig.chat_template;
    const tokens: Record<string, string> = {};
    const texts = specialTokenTexts(files);
    if (texts.bos !== undefined) tokens.bos_token = texts.bos;
    if (texts.eos !== undefined) tokens.eos_token = texts.eos;
    if (texts.unk !== undefined) tokens.unk_token = texts.unk;
    if (texts.pad !== undefined) tokens.pad_token = texts.pad;
    if (typeof configured === "string") return new ChatTemplate(new Map([["default", configured]]), tokens, files.source);
    if (Array.isArray(configured)) return new ChatTemplate(new Map(configured.map((t) => [t.name, t.template])), tokens, files.source);
    if (files.chatTemplateFile !== undefined) return new ChatTemplate(new Map([["default", files.chatTemplateFile]]), tokens, files.source);
    return null;
  }

  constructor(sources: ReadonlyMap<string, string>, specialTokens: Readonly<Record<string, string>>, origin: string) {
    this.#sources = sources;
    this.names = [...sources.keys()];
    this.#tokens = specialTokens;
    this.#origin = origin;
  }

  /** Whether any of its templates holds `text` (what a model's family writes: `</think>`). */
  writes(text: string): boolean {
    return [...this.#sources.values()].some((source) => source.includes(text));
  }

  /** The name of the template used for a request with or without tools. */
  select(hasTools: boolean): string {
    if (hasTools && this.#sources.has("tool_use")) return "tool_use";
    if (this.#sources.has("default")) return "default";
    throw new TunelabError(
      "validation_failed",
      `${this.#origin}: tokenizer_config.json has chat templates ${this.names.join(", ")} but none named "default"`,
    );
  }

  render(messages: readonly TemplateMessage[], options: TemplateRenderOptions = {}): string {
    const tools = options.tools && options.tools.length > 0 ? options.tools : null;
    const name = this.select(tools !== null);
    const template = this.#template(name);
    const folded = this.#hasSystemRole(name) ? null : foldSystemIntoFirstUser(messages);
    const source = this.#sources.get(name) ?? "";
    const shaped = shapeTools(source, folded ?? messages, tools);
    try {
      return template.render({
        ...this.#tokens,
        ...shaped.variables,
        ...options.variables,
        messages: shaped.messages,
        tools,
        add_generation_prompt: options.addGenerationPrompt ?? false,
      });
    } catch (cause) {
      throw new TunelabError("invalid_argument", `the chat template of ${this.#origin} refused the messages: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  /**
   * Whether a request with (or without) tools would have its leading system message written into the first user
   * message, because the template has no system role.
   */
  foldsSystem(hasTools: boolean): boolean {
    return !this.#hasSystemRole(this.select(hasTools));
  }

  /** False when the template refuses [system, user] but renders [user] (it has no system role). */
  #hasSystemRole(name: string): boolean {
    let has = this.#systemRole.get(name);
    if (has === undefined) {
      const template = this.#template(name);
      const renders = (messages: TemplateMessage[]) => {
        try {
          template.render({ ...this.#tokens, messages, tools: null, add_generation_prompt: true });
          return true;
        } catch {
          return false;
        }
      };
      const user: TemplateMessage = { role: "user", content: "Hello" };
      has = renders([{ role: "system", content: "Be brief." }, user]) || !renders([user]);
      this.#systemRole.set(name, has);
    }
    return has;
  }

  #template(name: string): Template {
    let template = this.#compiled.get(name);
    if (!template) {
      const source = this.#sources.get(name) ?? "";
      try {
        template = compileChatTemplate(source);
      } catch (cause) {
        throw new TunelabError(
          "validation_failed",
          `${this.#origin}: chat template ${JSON.stringify(name)} is not a template @huggingface/jinja can read: ${(cause as Error).message}`,
          { cause },
        );
      }
      this.#compiled.set(name, template);
    }
    return template;
  }
}
