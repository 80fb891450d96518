/**
 * What constrained decoding (response_format json_object / json_schema) adds to the choice of each token, with a
 * vocabulary of a real size: the tokens of a tokenizer.json given as argument (e.g. Qwen's 151k), or 150,000
 * synthetic byte-level tokens. Logits are random (a model that has not learnt JSON: the worst case, where the
 * likeliest tokens are refused most often and the vocabulary is scanned most). Prints CPU microseconds per token
 * (CPU time, not wall time: the figures hold on a busy machine).
 *
 *   node_modules/.bin/tsx packages/engine/bench/json-constraint.ts [path/to/tokenizer.json]
 */
import { readFileSync } from "node:fs";
import { pieceBytes } from "../src/hf/tokenizer/token-bytes.ts";
import { JsonPrefix } from "../src/trainer/inference/json/json-prefix.ts";
import { ANY_OBJECT, compileSchema } from "../src/trainer/inference/json/schema-node.ts";
import { TokenConstraint } from "../src/trainer/inference/json/token-constraint.ts";
import { sample } from "../src/trainer/inference/sampler.ts";
import { Rng } from "../src/trainer/train/rng.ts";

function vocabulary(path: string | undefined): Uint8Array[] {
  if (path) {
    const json = JSON.parse(readFileSync(path, "utf8")) as { model: { vocab: Record<string, number> } };
    const out: Uint8Array[] = [];
    for (const [piece, id] of Object.entries(json.model.vocab)) out[id] = pieceBytes(piece, "byte-level");
    return Array.from(out, (b) => b ?? new Uint8Array(0));
  }
  const rng = new Rng(1);
  const out: Uint8Array[] = Array.from({ length: 256 }, (_, b) => new Uint8Array([b]));
  const common = ' etaoinshrdlu{}[]":,0123456789\n';
  while (out.length < 150_000) {
    const n = 2 + Math.floor(rng.next() * 7);
    out.push(new TextEncoder().encode(Array.from({ length: n }, () => common[Math.floor(rng.next() * common.length)]).join("")));
  }
  return out;
}

const tokens = vocabulary(process.argv[2]);
const END = tokens.length;
const V = tokens.length + 1;
const vocab = { size: V, bytes: (id: number) => tokens[id] ?? new Uint8Array(0), isEnd: (id: number) => id === END, key: tokens };
const schema = compileSchema({
  type: "object",
  properties: { label: { enum: ["odd", "even"] }, score: { type: "integer" }, note: { type: "string" } },
  required: ["label", "score", "note"],
  additionalProperties: false,
}).root;

function run(name: string, temperature: number, root: typeof ANY_OBJECT | undefined, steps: number) {
  const rng = new Rng(5);
  const logits = new Float32Array(V);
  const constraint = root ? new TokenConstraint(JsonPrefix.of(root), vocab) : undefined;
  let time = 0;
  let made = 0;
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < V; i++) logits[i] = (rng.next() - 0.5) * 8;
    const t0 = process.cpuUsage();
    const id = sample(logits, () => true, temperature, 1, rng, constraint);
    constraint?.advance(id);
    time += process.cpuUsage(t0).user * 1000;
    made++;
    if (id === END) break;
  }
  const us = time / made / 1000;
  const stats = constraint ? `, ${(constraint.stats.tried / made).toFixed(1)} candidates/token, ${constraint.stats.scans} scans` : "";
  console.log(`${name.padEnd(34)} ${us.toFixed(0).padStart(7)} µs/token over ${made} tokens${stats}`);
}

console.log(`vocabulary: ${V} tokens${process.argv[2] ? ` (${process.argv[2]})` : " (synthetic)"}`);
// the first-byte table is built once per tokenizer; build it outside the timings
new TokenConstraint(JsonPrefix.of(ANY_OBJECT), vocab).prepareScan();
for (const temperature of [0, 1]) {
  run(`T=${temperature} free`, temperature, undefined, 200);
  run(`T=${temperature} json_object`, temperature, ANY_OBJECT, 200);
  run(`T=${temperature} json_schema`, temperature, schema, 200);
}
