import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import { GenerationConfigFile } from "./generation-config.schema.ts";
import { readJsonFile } from "./json-file.ts";
import { SpecialTokensMapFile } from "./special-token.schema.ts";
import { TokenizerConfigFile } from "./tokenizer-config.schema.ts";
import { TokenizerJsonFile } from "./tokenizer-json.schema.ts";

/** The tokenizer-related files of a Hugging Face model directory, parsed and checked. */
export interface TokenizerFiles {
  tokenizerJson: TokenizerJsonFile;
  tokenizerConfig: TokenizerConfigFile;
  specialTokensMap?: SpecialTokensMapFile;
  generationConfig?: GenerationConfigFile;
  /** chat_template.jinja, which newer checkpoints ship instead of a `chat_template` in tokenizer_config.json. */
  chatTemplateFile?: string;
  /** Where the files came from, for error messages. */
  source: string;
}

const ChatTemplateJsonFile = z.looseObject({ chat_template: z.string() });

/**
 * Reads tokenizer.json and tokenizer_config.json (required), and special_tokens_map.json, generation_config.json
 * and chat_template.jinja / chat_template.json when present.
 */
export async function readTokenizerFiles(dir: string): Promise<TokenizerFiles> {
  const file = (name: string) => join(dir, name);
  for (const required of ["tokenizer.json", "tokenizer_config.json"]) {
    if (!(await exists(file(required)))) {
      throw new TunelabError("validation_failed", `${dir} has no ${required}: a Hugging Face model directory needs it for the tokenizer`);
    }
  }
  const files: TokenizerFiles = {
    tokenizerJson: await readJsonFile(file("tokenizer.json"), TokenizerJsonFile),
    tokenizerConfig: await readJsonFile(file("tokenizer_config.json"), TokenizerConfigFile),
    source: dir,
  };
  if (await exists(file("special_tokens_map.json"))) {
    files.specialTokensMap = await readJsonFile(file("special_tokens_map.json"), SpecialTokensMapFile);
  }
  if (await exists(file("generation_config.json"))) {
    files.generationConfig = await readJsonFile(file("generation_config.json"), GenerationConfigFile);
  }
  if (await exists(file("chat_template.jinja"))) {
    files.chatTemplateFile = await readFile(file("chat_template.jinja"), "utf8");
  } else if (await exists(file("chat_template.json"))) {
    files.chatTemplateFile = (await readJsonFile(file("chat_template.json"), ChatTemplateJsonFile)).chat_template;
  }
  return files;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
