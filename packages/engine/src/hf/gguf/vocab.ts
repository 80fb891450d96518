/**
 * A Hugging Face tokenizer as llama.cpp's vocabulary in GGUF metadata, as convert_hf_to_gguf.py writes it: every id up
 * to the model's vocabulary size with its text and type, the special ids, whether a bos is added, and the chat
 * template(s). Two kinds:
 * - byte-level BPE (Qwen, Llama 3, SmolLM, GPT-2) as llama.cpp's `gpt2` vocabulary: the merges in rank order and the
 *   pre-tokenizer llama.cpp should split text with. llama.cpp does not read tokenizer.json's pre-tokenizer: it has a
 *   fixed set of named splitting rules. The names below are those whose rule is the same as the tokenizer.json pattern
 *   they are matched on (Qwen2/2.5/3, Llama 3, SmolLM, GPT-2);
 * - SentencePiece-style BPE with byte fallback (Mistral 7B v0.1–v0.3, Llama 2, Gemma 3) as llama.cpp's `llama`
 *   vocabulary: pieces with scores and types, and the space rule (spm-vocab.ts).
 * The end of a turn (`eot_token_id`) is the stop id the chat template ends a reply with; llama.cpp ends generation on
 * it, on the eos, and on tokens it knows by their text (`<eos>`, `<|endoftext|>`, …).
 * Anything else is refused with the way out: export merged and run llama.cpp's own converter.
 */
import { TunelabError } from "@tunelab/base";
import { assistantMask } from "../tokenizer/assistant-mask.ts";
import type { HfTokenizer } from "../tokenizer/hf-tokenizer.ts";
import type { TokenizerFiles } from "../tokenizer/model-files.ts";
import { tokenizerIds, vocabFitProblem } from "../vocab-fit.ts";
import type { GgufValue } from "./gguf-file.ts";
import { SpmVocabularyProblem, spmVocabulary } from "./spm-vocab.ts";
import { vocabularyRows } from "./vocab-rows.ts";

const QWEN2_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const LLAMA3_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

interface Component {
  type: string;
  [key: string]: unknown;
}

const FIX = "export --format merged and convert it with llama.cpp's convert_hf_to_gguf.py";

const refuse = (files: TokenizerFiles, field: string, what: string) =>
  new TunelabError("invalid_argument", `${files.source}/tokenizer.json: ${field}: ${what}; to get a GGUF, ${FIX}`, {
    details: { file: "tokenizer.json", field },
  });

/** llama.cpp's name (`tokenizer.ggml.pre`) of the tokenizer's pre-tokenizer. */
export function llamaCppPreTokenizer(files: TokenizerFiles): string {
  const pre = files.tokenizerJson.pre_tokenizer as Component | null;
  const steps: Component[] =
    pre === null ? [] : pre.type === "Sequence" && Array.isArray(pre.pretokenizers) ? (pre.pretokenizers as Component[]) : [pre];
  const [first, second] = steps;
  const byteLevel = (c: Component | undefined, useRegex: boolean) =>
    c?.type === "ByteLevel" && c.add_prefix_space !== true && (c.use_regex ?? true) === useRegex;
  if (steps.length === 2 && first?.type === "Split" && byteLevel(second, false)) {
    const pattern = (first.pattern as { Regex?: unknown } | undefined)?.Regex;
    if (first.behavior === "Isolated" && first.invert !== true) {
      if (pattern === QWEN2_SPLIT) return "qwen2";
      if (pattern === LLAMA3_SPLIT) return "llama-bpe";
    }
  }
  if (steps.length === 2 && first?.type === "Digits" && first.individual_digits === true && byteLevel(second, true)) return "smollm";
  if (steps.length === 1 && byteLevel(first, true)) return "gpt-2";
  throw refuse(
    files,
    "pre_tokenizer",
    `${JSON.stringify(pre).slice(0, 200)} is not a pre-tokenizer llama.cpp has a named rule for (known: Qwen2/Qwen3's and Llama 3's Split patterns, SmolLM's Digits + ByteLevel, GPT-2's ByteLevel)`,
  );
}

/** The BPE merges as "left right" strings (tokenizer.json writes them as strings or as pairs). */
function mergesOf(files: TokenizerFiles): string[] {
  const merges = (files.tokenizerJson.model as { merges?: unknown }).merges;
  if (!Array.isArray(merges)) throw refuse(files, "model.merges", "missing (a BPE vocabulary has merges)");
  return merges.map((m, i) => {
    if (typeof m === "string") return m;
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === "string" && typeof m[1] === "string") return `${m[0]} ${m[1]}`;
    throw refuse(files, `model.merges[${i}]`, "neither a string nor a pair of strings");
  });
}

/** Templates as GGUF keeps them: the default one, and the named others (`tokenizer.chat_template.NAME`). */
function chatTemplates(files: TokenizerFiles): Map<string, string> {
  const out = new Map<string, string>();
  const configured = files.tokenizerConfig.chat_template;
  if (typeof configured === "string") out.set("default", configured);
  else if (Array.isArray(configured)) for (const t of configured) out.set(t.name, t.template);
  if (files.chatTemplateFile !== undefined && !out.has("default")) out.set("default", files.chatTemplateFile);
  return out;
}

/** The byte-level BPE vocabulary's metadata (llama.cpp's `gpt2`). */
function byteLevelMetadata(files: TokenizerFiles, tokenizer: HfTokenizer, vocabSize: number, m: Map<string, GgufValue>): void {
  const { tokens, types } = vocabularyRows(files, tokenizer, vocabSize);
  m.set("tokenizer.ggml.model", { type: "string", value: "gpt2" });
  m.set("tokenizer.ggml.pre", { type: "string", value: llamaCppPreTokenizer(files) });
  m.set("tokenizer.ggml.tokens", { type: "string[]", value: tokens });
  m.set("tokenizer.ggml.token_type", { type: "i32[]", value: types });
  m.set("tokenizer.ggml.merges", { type: "string[]", value: mergesOf(files) });
}

/** The SentencePiece-style vocabulary's metadata (llama.cpp's `llama`). */
function sentencePieceMetadata(files: TokenizerFiles, tokenizer: HfTokenizer, vocabSize: number, m: Map<string, GgufValue>): void {
  let vocab: ReturnType<typeof spmVocabulary>;
  try {
    vocab = spmVocabulary(files, tokenizer, mergesOf(files), vocabSize);
  } catch (error) {
    if (error instanceof SpmVocabularyProblem) throw refuse(files, error.field, error.what);
    throw error;
  }
  m.set("tokenizer.ggml.model", { type: "string", value: "llama" });
  m.set("tokenizer.ggml.tokens", { type: "string[]", value: vocab.tokens });
  m.set("tokenizer.ggml.scores", { type: "f32[]", value: vocab.scores });
  m.set("tokenizer.ggml.token_type", { type: "i32[]", value: vocab.types });
  m.set("tokenizer.ggml.add_space_prefix", { type: "bool", value: vocab.addSpacePrefix });
  const unk = (files.tokenizerJson.model as { unk_token?: unknown }).unk_token;
  const unkId = typeof unk === "string" ? tokenizer.tokenToId(unk) : undefined;
  if (unkId !== undefined) m.set("tokenizer.ggml.unknown_token_id", { type: "u32", value: unkId });
}

/**
 * llama.cpp's end of turn: the stop id the chat template ends an assistant's reply with, as the engine trains replies
 * to end (Gemma's `<end_of_turn>`, ChatML's `<|im_end|>`, Llama 3's `<|eot_id|>`); undefined without a template, or
 * when the template renders no such reply.
 */
function turnEnd(tokenizer: HfTokenizer): number | undefined {
  if (!tokenizer.chatTemplate) return undefined;
  let mask: ReturnType<typeof assistantMask>;
  try {
    mask = assistantMask(tokenizer, [
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello" },
    ]);
  } catch {
    return undefined;
  }
  const span = mask.spans[mask.spans.length - 1];
  const last = span === undefined ? undefined : mask.ids[span.end - 1];
  return last !== undefined && tokenizer.isEos(last) ? last : undefined;
}

/** The tokenizer's metadata for a model whose embedding has `vocabSize` rows. */
export function vocabularyMetadata(files: TokenizerFiles, tokenizer: HfTokenizer, vocabSize: number): Map<string, GgufValue> {
  const model = files.tokenizerJson.model as { type?: unknown; byte_fallback?: unknown };
  const sentencePiece = model.type === "BPE" && model.byte_fallback === true && tokenizer.byteScheme === "sentencepiece";
  if (!sentencePiece && (model.type !== "BPE" || tokenizer.byteScheme !== "byte-level"))
    throw refuse(
      files,
      "model",
      `a ${String(model.type)} vocabulary${model.byte_fallback === true ? " with byte fallback" : ""}; the GGUF export writes BPE vocabularies, byte-level (Qwen, Llama 3, SmolLM) or SentencePiece-style with byte fallback (Mistral 7B, Llama 2, Gemma 3)`,
    );
  // special tokens past the embedding (Gemma 3's <image_soft_token>) are left out of the file, as the model cannot read them
  const tooMany = vocabFitProblem(tokenizerIds(files.tokenizerJson, vocabSize).count, vocabSize);
  if (tooMany) throw refuse(files, "model.vocab", tooMany);
  const m = new Map<string, GgufValue>();
  if (sentencePiece) sentencePieceMetadata(files, tokenizer, vocabSize, m);
  else byteLevelMetadata(files, tokenizer, vocabSize, m);
  const idOf = (text: string | undefined) => (text === undefined ? undefined : tokenizer.tokenToId(text));
  const eos = idOf(tokenizer.specialTokens.eos) ?? tokenizer.eosIds[0];
  if (tokenizer.bosId !== null) m.set("tokenizer.ggml.bos_token_id", { type: "u32", value: tokenizer.bosId });
  if (eos !== undefined) m.set("tokenizer.ggml.eos_token_id", { type: "u32", value: eos });
  // the end of a turn, often the eos itself (Gemma's <end_of_turn> beside <eos>); without a chat template, a second id
  // generation_config.json ends generation on, so that llama.cpp stops there too
  const eot = turnEnd(tokenizer) ?? tokenizer.eosIds.find((id) => id !== eos);
  if (eot !== undefined) m.set("tokenizer.ggml.eot_token_id", { type: "u32", value: eot });
  const pad = idOf(tokenizer.specialTokens.pad);
  if (pad !== undefined) m.set("tokenizer.ggml.padding_token_id", { type: "u32", value: pad });
  // what the tokenizer adds around a text, observed rather than read from flags that some checkpoints leave stale
  const plain = tokenizer.encode("a", { addSpecialTokens: false });
  const wrapped = tokenizer.encode("a", { addSpecialTokens: true });
  const addsBos = tokenizer.bosId !== null && wrapped.length > plain.length && wrapped[0] === tokenizer.bosId;
  const addsEos = eos !== undefined && wrapped.length > plain.length && wrapped[wrapped.length - 1] === eos;
  m.set("tokenizer.ggml.add_bos_token", { type: "bool", value: addsBos });
  m.set("tokenizer.ggml.add_eos_token", { type: "bool", value: addsEos });
  const templates = chatTemplates(files);
  const main = templates.get("default");
  if (main !== undefined) m.set("tokenizer.chat_template", { type: "string", value: main });
  const named = [...templates.keys()].filter((name) => name !== "default");
  for (const name of named) m.set(`tokenizer.chat_template.${name}`, { type: "string", value: templates.get(name) as string });
  if (named.length > 0) m.set("tokenizer.chat_templates", { type: "string[]", value: named });
  return m;
}
