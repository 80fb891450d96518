/**
 * Generates the ticket-routing example datasets:
 *   test.jsonl           100 fixed examples, each with "tags": [category, priority]
 *   train-v1.jsonl       120 examples
 *   train-v2.jsonl       480 examples; its first 120 lines are train-v1.jsonl unchanged
 *   train-shuffled.jsonl train-v2 with assistant labels permuted (a deliberately worse set)
 * Fully deterministic: every run writes byte-identical files.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChatRecord } from "../lib/jsonl.ts";
import { chat, writeJsonl } from "../lib/jsonl.ts";
import { Rng } from "../lib/prng.ts";
import { PRIORITY_WEIGHTS } from "./cues.ts";
import type { Route } from "./labels.ts";
import { CATEGORIES, routeJson, SYSTEM_PROMPT } from "./labels.ts";
import { composeTicket } from "./ticket.ts";

const SEEDS = { test: 1001, v1: 2001, v2: 3001, shuffle: 4001 } as const;
const COUNTS = { test: 100, v1: 120, v2: 480 } as const;
const MAX_ATTEMPTS = 1000;

const DEFAULT_OUT_DIR = fileURLToPath(new URL(".", import.meta.url));

/** Balanced categories (round-robin, then shuffled) with weighted priorities. */
function sampleRoutes(rng: Rng, n: number): Route[] {
  const categories = rng.shuffle(Array.from({ length: n }, (_, i) => CATEGORIES[i % CATEGORIES.length] ?? "billing"));
  return categories.map((category) => ({ category, priority: rng.weighted(PRIORITY_WEIGHTS) }));
}

interface Ticket {
  text: string;
  route: Route;
}

/** n tickets whose texts are unique and absent from `seen` (which is updated). */
function makeTickets(seed: number, n: number, seen: Set<string>): Ticket[] {
  const rng = new Rng(seed);
  return sampleRoutes(rng, n).map((route) => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const text = composeTicket(rng, route);
      if (!seen.has(text)) {
        seen.add(text);
        return { text, route };
      }
    }
    throw new Error(`could not find a unique ticket for ${routeJson(route)}`);
  });
}

function toRecord(ticket: Ticket): ChatRecord {
  return chat(SYSTEM_PROMPT, ticket.text, routeJson(ticket.route));
}

function toTestRecord(ticket: Ticket): ChatRecord {
  return { ...toRecord(ticket), tags: [ticket.route.category, ticket.route.priority] };
}

/** Same user texts, assistant answers permuted across examples. */
function shuffleLabels(seed: number, tickets: readonly Ticket[]): ChatRecord[] {
  const routes = new Rng(seed).shuffle(tickets.map((t) => t.route));
  return tickets.map((t, i) => toRecord({ text: t.text, route: routes[i] ?? t.route }));
}

export function generate(outDir: string = DEFAULT_OUT_DIR): void {
  const seen = new Set<string>();
  const test = makeTickets(SEEDS.test, COUNTS.test, seen);
  const v1 = makeTickets(SEEDS.v1, COUNTS.v1, seen);
  const v2 = [...v1, ...makeTickets(SEEDS.v2, COUNTS.v2 - COUNTS.v1, seen)];

  writeJsonl(join(outDir, "test.jsonl"), test.map(toTestRecord));
  writeJsonl(join(outDir, "train-v1.jsonl"), v1.map(toRecord));
  writeJsonl(join(outDir, "train-v2.jsonl"), v2.map(toRecord));
  writeJsonl(join(outDir, "train-shuffled.jsonl"), shuffleLabels(SEEDS.shuffle, v2));
}
