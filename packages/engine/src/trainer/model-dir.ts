/**
 * The on-disk model format (a directory):
 *   config.json     {format: "tunelab-model", version: 1, spec, parameters}
 *   tokenizer.json  byte-level BPE merges (see tokenizer/tokenizer.ts)
 *   weights.bin     all parameters, float32 little-endian, in the order of model/layout.ts
 *   optimizer.bin   optional: AdamW first then second moments, same layout (checkpoints only)
 *   state.json      optional: training state of a checkpoint (step, RNG state, …)
 * A directory is written under a temporary name and renamed into place, so a killed process never
 * leaves a half-written checkpoint behind.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { layout } from "./model/layout.ts";
import { Tokenizer, type TokenizerJson } from "./tokenizer/tokenizer.ts";
import type { Hyperparameters, ModelSpec, StepMetrics } from "./types.ts";
import { textVocabSize } from "./vision/spec.ts";

export interface TrainingState {
  step: number;
  totalSteps: number;
  seed: number;
  /** State of the data-order RNG at the start of the current epoch. */
  rng: number[];
  trainedTokens: number;
  hyperparameters: Hyperparameters;
  metrics?: StepMetrics;
}

export interface ModelFiles {
  spec: ModelSpec;
  tokenizer: Tokenizer;
  weights: Float32Array;
  optimizer?: { m: Float32Array; v: Float32Array };
  state?: TrainingState;
}

interface ConfigJson {
  format: "tunelab-model";
  version: 1;
  spec: ModelSpec;
  parameters: number;
}

const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function readFloats(path: string, n: number): Float32Array {
  const buf = readFileSync(path);
  if (buf.byteLength !== n * 4) throw new Error(`${path}: expected ${n * 4} bytes, found ${buf.byteLength}`);
  const out = new Float32Array(n);
  bytes(out).set(buf);
  return out;
}

export function saveModelDir(dir: string, files: ModelFiles): void {
  const n = layout(files.spec).size;
  if (files.weights.length !== n) throw new Error(`weights have ${files.weights.length} values, spec needs ${n}`);
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const config: ConfigJson = { format: "tunelab-model", version: 1, spec: files.spec, parameters: n };
  writeFileSync(join(tmp, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(tmp, "tokenizer.json"), JSON.stringify(files.tokenizer.toJSON()));
  writeFileSync(join(tmp, "weights.bin"), bytes(files.weights));
  if (files.optimizer) {
    const both = new Float32Array(2 * n);
    both.set(files.optimizer.m);
    both.set(files.optimizer.v, n);
    writeFileSync(join(tmp, "optimizer.bin"), bytes(both));
  }
  if (files.state) writeFileSync(join(tmp, "state.json"), `${JSON.stringify(files.state, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

export function loadModelDir(dir: string): ModelFiles {
  const configPath = join(dir, "config.json");
  if (!existsSync(configPath)) throw new Error(`${dir} is not a tunelab model directory (no config.json)`);
  const config = JSON.parse(readFileSync(configPath, "utf8")) as ConfigJson;
  if (config.format !== "tunelab-model" || config.version !== 1) throw new Error(`${dir}: unsupported model format`);
  const tokenizer = Tokenizer.fromJSON(JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")) as TokenizerJson);
  if (tokenizer.vocabSize !== textVocabSize(config.spec)) throw new Error(`${dir}: tokenizer and config disagree on the vocabulary size`);
  const n = layout(config.spec).size;
  const files: ModelFiles = { spec: config.spec, tokenizer, weights: readFloats(join(dir, "weights.bin"), n) };
  const optPath = join(dir, "optimizer.bin");
  if (existsSync(optPath)) {
    const both = readFloats(optPath, 2 * n);
    files.optimizer = { m: both.slice(0, n), v: both.slice(n) };
  }
  const statePath = join(dir, "state.json");
  if (existsSync(statePath)) files.state = JSON.parse(readFileSync(statePath, "utf8")) as TrainingState;
  return files;
}
