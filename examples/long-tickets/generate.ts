/**
 * Generates the long-tickets example: multi-paragraph support threads (300–600 tokens each) routed
 * to one of two teams, `{"team":"billing"}` or `{"team":"technical"}`.
 *   train.jsonl  224 examples
 *   valid.jsonl   32 examples (a validation file: early stopping of `auto`)
 *   test.jsonl    80 examples, each with "tags": [team]
 * Balanced teams; every user text is unique across the three files. Deterministic (seeded).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChatRecord } from "../lib/jsonl.ts";
import { chat, writeJsonl } from "../lib/jsonl.ts";
import { Rng } from "../lib/prng.ts";
import { SYSTEM_PROMPT, TEAMS, type Team, teamJson } from "./labels.ts";
import { composeThread } from "./thread.ts";

const SEEDS = { train: 5001, valid: 5002, test: 5003 } as const;
export const COUNTS = { train: 224, valid: 32, test: 80 } as const;
const DEFAULT_OUT_DIR = fileURLToPath(new URL(".", import.meta.url));

function makeRecords(seed: number, n: number, seen: Set<string>, tagged: boolean): ChatRecord[] {
  const rng = new Rng(seed);
  const teams = rng.shuffle(Array.from({ length: n }, (_, i) => TEAMS[i % TEAMS.length] as Team));
  return teams.map((team) => {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const text = composeThread(rng, team);
      if (seen.has(text)) continue;
      seen.add(text);
      const record = chat(SYSTEM_PROMPT, text, teamJson(team));
      return tagged ? { ...record, tags: [team] } : record;
    }
    throw new Error(`could not find a unique thread for ${team}`);
  });
}

export function generate(outDir: string = DEFAULT_OUT_DIR): void {
  const seen = new Set<string>();
  const test = makeRecords(SEEDS.test, COUNTS.test, seen, true);
  const train = makeRecords(SEEDS.train, COUNTS.train, seen, false);
  const valid = makeRecords(SEEDS.valid, COUNTS.valid, seen, false);
  writeJsonl(join(outDir, "train.jsonl"), train);
  writeJsonl(join(outDir, "valid.jsonl"), valid);
  writeJsonl(join(outDir, "test.jsonl"), test);
}
