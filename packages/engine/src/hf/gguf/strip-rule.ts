/**
 * Whitespace beside special tokens, and the file's `general.name`. The Hugging Face tokenizer strips the whitespace on
 * a side of an added token whose tokenizer.json entry says so (`lstrip`, `rstrip`; Phi-3-mini's chat tokens strip the
 * newline after them). A GGUF vocabulary has no such field: llama.cpp strips by a rule keyed on the file's name
 * (llama-vocab.cpp, llama_vocab::impl::load): when `general.name`, lower-cased, contains "phi-3" or "phi3", it strips
 * the whitespace right of every special token but `<unk>`, `<s>` and `<|endoftext|>`, looking those three and `</s>`
 * up by text (a vocabulary without one of them fails to load); under any other name it strips nothing.
 *
 * So the name written is the one under which llama.cpp tokenizes as the tokenizer does: the name given when it does;
 * with "phi-3" / "phi3" spelt "phi 3" when the tokenizer strips nothing (a Phi-4-mini tuned as "ft:phi3-…" would
 * otherwise not load); with " (phi-3)" added when the tokenizer strips exactly as the rule does. A tokenizer whose
 * flags no name gives is refused.
 */
import { TunelabError } from "@tunelab/base";
import type { HfTokenizer } from "../tokenizer/hf-tokenizer.ts";
import type { TokenizerFiles } from "../tokenizer/model-files.ts";

/** The texts llama.cpp's Phi-3 rule leaves unstripped, and the one more it looks up. */
const PHI3_UNSTRIPPED: readonly string[] = ["<unk>", "<s>", "<|endoftext|>"];
const PHI3_LOOKED_UP: readonly string[] = [...PHI3_UNSTRIPPED, "</s>"];
const PHI3_IN_NAME = /phi-?3/gi;

/** Whether llama.cpp applies its Phi-3 tokenizer rule to a file of this `general.name`. */
export function llamaCppPhi3NameRule(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.includes("phi-3") || lower.includes("phi3");
}

/**
 * The `general.name` to write for a model given `name`, under which llama.cpp strips whitespace beside special tokens
 * as the tokenizer does (see the file's comment). `rows`: the vocabulary rows written (added tokens past them are
 * left out of the file).
 */
export function ggufModelName(files: TokenizerFiles, tokenizer: HfTokenizer, rows: number, name: string): string {
  const added = files.tokenizerJson.added_tokens.filter((t) => t.id < rows);
  const refuse = (what: string) =>
    new TunelabError(
      "invalid_argument",
      `${files.source}/tokenizer.json: ${what}; to get a GGUF, export --format merged and convert it with llama.cpp's convert_hf_to_gguf.py`,
      { details: { file: "tokenizer.json", field: "added_tokens" } },
    );
  const left = added.find((t) => t.lstrip === true);
  if (left)
    throw refuse(`the added token ${JSON.stringify(left.content)} strips the whitespace on its left (lstrip), which llama.cpp does not do`);
  const stripped = added.filter((t) => t.rstrip === true);
  if (stripped.length === 0) {
    let plain = name;
    while (llamaCppPhi3NameRule(plain)) plain = plain.replace(PHI3_IN_NAME, "phi 3");
    return plain;
  }
  const inFile = (text: string) => {
    const id = tokenizer.tokenToId(text);
    return id !== undefined && id < rows;
  };
  const ruleDiffers = added.find((t) => (t.rstrip === true) !== !PHI3_UNSTRIPPED.includes(t.content));
  const missing = PHI3_LOOKED_UP.filter((t) => !inFile(t));
  if (ruleDiffers || missing.length > 0)
    throw refuse(
      `the added token ${JSON.stringify((stripped[0] as (typeof stripped)[number]).content)} strips the whitespace on its right (rstrip), which llama.cpp does only by its Phi-3 rule: after every special token but ${PHI3_UNSTRIPPED.join(", ")}, ${
        ruleDiffers
          ? `and this tokenizer ${ruleDiffers.rstrip === true ? "strips" : "does not strip"} after ${JSON.stringify(ruleDiffers.content)}`
          : `in a vocabulary with ${PHI3_LOOKED_UP.join(", ")}, and this one has no ${missing.join(", ")}`
      }`,
    );
  return llamaCppPhi3NameRule(name) ? name : `${name} (phi-3)`;
}
