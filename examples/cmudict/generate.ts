/**
 * Generates the grapheme-to-phoneme example datasets from the CMU Pronouncing
 * Dictionary: train.jsonl (2,000 words) and test.jsonl (200 different words).
 * Fully deterministic: every run writes byte-identical files.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chat, writeJsonl } from "../lib/jsonl.ts";
import { Rng } from "../lib/prng.ts";
import type { Entry } from "./words.ts";
import { loadEntries } from "./words.ts";

export const SYSTEM_PROMPT = "Transcribe the English word into ARPAbet phonemes.";

const SEED = 5001;
const COUNTS = { train: 2000, test: 200 } as const;

const DEFAULT_OUT_DIR = fileURLToPath(new URL(".", import.meta.url));

function toRecords(entries: readonly Entry[]) {
  return entries.map((e) => chat(SYSTEM_PROMPT, e.word, e.phonemes));
}

export function generate(outDir: string = DEFAULT_OUT_DIR): void {
  const sample = new Rng(SEED).shuffle(loadEntries()).slice(0, COUNTS.test + COUNTS.train);
  if (sample.length < COUNTS.test + COUNTS.train) throw new Error("not enough dictionary entries");
  writeJsonl(join(outDir, "test.jsonl"), toRecords(sample.slice(0, COUNTS.test)));
  writeJsonl(join(outDir, "train.jsonl"), toRecords(sample.slice(COUNTS.test)));
}
