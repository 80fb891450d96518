/**
 * A SentencePiece-style BPE tokenizer.json (byte fallback, `▁` for spaces: Mistral 7B v0.1–v0.3, Llama 2, Gemma 3) as
 * llama.cpp's `llama` (SPM) vocabulary: every piece with a score and a type, and whether a space is put before the
 * text.
 *
 * llama.cpp's SPM tokenizer starts from the text's characters and repeatedly joins the adjacent pair whose joined text
 * is a piece with the highest score (the leftmost among equals); a character that is no piece becomes its `<0xNN>`
 * byte pieces. tokenizer.json keeps SentencePiece's order as BPE merges instead (every pair that joins into a piece,
 * in the order SentencePiece's scores gave, as transformers' converter writes them), so a piece's score here is
 * minus the rank of the first merge that makes it: the pair Hugging Face's BPE would join first is the one llama.cpp
 * joins first. Pieces no merge makes (single characters, bytes, special tokens) score 0; llama.cpp never ranks them.
 *
 * The space: Hugging Face either normalizes (`Prepend "▁"` then `Replace " " → "▁"`, the "legacy" Llama/Mistral
 * files; Gemma's `Replace` alone, no space before the text, then a `Split` on " " that finds none left) or
 * pre-tokenizes (`Metaspace`, `prepend_scheme` "first" or "always") the text; llama.cpp's `add_space_prefix` is the
 * same rule. Any other normalizer or pre-tokenizer is refused, naming the field.
 *
 * Types: added tokens are control or user-defined (vocab-rows.ts), which llama.cpp cuts out of the raw text as Hugging
 * Face does, but writes back verbatim. Gemma's runs of spaces ("▁▁" … 31 of them) are added tokens that merges also
 * make from the text's spaces; as user-defined pieces llama.cpp would write them back as "▁▁", so they are normal
 * pieces here (merged as Hugging Face merges them, their ▁ written back as spaces). What is lost: Hugging Face also
 * cuts them out of a text holding the character ▁ itself, llama.cpp merges that text like any other.
 */
import type { HfTokenizer } from "../tokenizer/hf-tokenizer.ts";
import type { TokenizerFiles } from "../tokenizer/model-files.ts";
import { TOKEN_TYPE, vocabularyRows } from "./vocab-rows.ts";

const METASPACE = "\u2581";
const BYTE_PIECE = /^<0x[0-9A-Fa-f]{2}>$/;

interface Component {
  type: string;
  [key: string]: unknown;
}

export interface SpmVocabulary {
  tokens: string[];
  scores: Float32Array;
  types: Int32Array;
  addSpacePrefix: boolean;
}

/** What was wrong, as the field and the reason (the caller names the file and the way out). */
export class SpmVocabularyProblem extends Error {
  constructor(
    readonly field: string,
    readonly what: string,
  ) {
    super(`${field}: ${what}`);
  }
}

const steps = (c: Component | null): Component[] =>
  c === null ? [] : c.type === "Sequence" ? (((c.normalizers ?? c.pretokenizers) as Component[] | undefined) ?? []) : [c];

/** Whether llama.cpp should put a space before the text, from how tokenizer.json turns spaces into `▁`. */
export function spaceRule(files: TokenizerFiles): boolean {
  const json = files.tokenizerJson;
  const normalizers = steps(json.normalizer as Component | null);
  const replacesSpaces = (c: Component | undefined) =>
    c?.type === "Replace" && (c.pattern as { String?: unknown } | undefined)?.String === " " && c.content === METASPACE;
  // Gemma's split on " " runs after its normalizer has replaced every space: it never matches, the text stays whole
  const spacesGone = normalizers.some(replacesSpaces);
  const neverMatches = (c: Component) => {
    const literal = (c.pattern as { String?: unknown } | undefined)?.String;
    return spacesGone && c.type === "Split" && c.invert !== true && typeof literal === "string" && literal.includes(" ");
  };
  const pre = steps(json.pre_tokenizer as Component | null).filter((c) => !neverMatches(c));
  if (pre.length === 0) {
    const [first, second] = normalizers;
    if (normalizers.length === 2 && first?.type === "Prepend" && first.prepend === METASPACE && replacesSpaces(second)) return true;
    if (normalizers.length === 1 && replacesSpaces(first)) return false;
    throw new SpmVocabularyProblem(
      "normalizer",
      `${JSON.stringify(json.normalizer).slice(0, 200)} is not SentencePiece's space rule (Prepend "${METASPACE}" then Replace " " with "${METASPACE}")`,
    );
  }
  const [meta] = pre;
  if (normalizers.length === 0 && pre.length === 1 && meta?.type === "Metaspace" && meta.replacement === METASPACE && meta.split !== true) {
    const scheme = meta.prepend_scheme ?? (meta.add_prefix_space === false ? "never" : "always");
    if (scheme === "first" || scheme === "always") return true;
    if (scheme === "never") return false;
  }
  throw new SpmVocabularyProblem(
    "pre_tokenizer",
    `${JSON.stringify(json.pre_tokenizer).slice(0, 200)} is not SentencePiece's space rule (Metaspace with "${METASPACE}", not split)`,
  );
}

/** Minus the rank of the first merge making each piece (0 for pieces no merge makes), and which pieces a merge makes. */
function mergeScores(merges: readonly string[], tokenizer: HfTokenizer, rows: number): { scores: Float32Array; merged: Uint8Array } {
  const scores = new Float32Array(rows);
  const merged = new Uint8Array(rows);
  merges.forEach((merge, rank) => {
    const space = merge.indexOf(" ");
    const id = tokenizer.tokenToId(merge.slice(0, space) + merge.slice(space + 1));
    if (id === undefined || id >= rows || merged[id] === 1) return;
    merged[id] = 1;
    scores[id] = 0 - rank; // not -0 for the first merge
  });
  return { scores, merged };
}

/** The SPM vocabulary of a tokenizer for a model with `rows` embedding rows (ids past the tokenizer's are unused). */
export function spmVocabulary(files: TokenizerFiles, tokenizer: HfTokenizer, merges: readonly string[], rows: number): SpmVocabulary {
  const model = files.tokenizerJson.model as { unk_token?: unknown };
  const addSpacePrefix = spaceRule(files);
  const unk = typeof model.unk_token === "string" ? tokenizer.tokenToId(model.unk_token) : undefined;
  const { scores, merged } = mergeScores(merges, tokenizer, rows);
  const plainAdded = new Set(files.tokenizerJson.added_tokens.filter((t) => t.special !== true).map((t) => t.id));
  const { tokens, types } = vocabularyRows(files, tokenizer, rows, (piece, id) => {
    if (id === unk) return TOKEN_TYPE.unknown;
    if (BYTE_PIECE.test(piece)) return TOKEN_TYPE.byte;
    // Gemma's runs of spaces: normal pieces, whose ▁ llama.cpp writes back as spaces (above)
    if (plainAdded.has(id) && merged[id] === 1 && piece.includes(METASPACE)) return TOKEN_TYPE.normal;
    return undefined;
  });
  return { tokens, scores, types, addSpacePrefix };
}
