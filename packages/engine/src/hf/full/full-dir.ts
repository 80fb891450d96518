/**
 * A fully fine-tuned open-weight model on disk: a complete Hugging Face checkpoint (config.json,
 * float32 model.safetensors, the base's tokenizer and generation files) plus `tunelab.json` naming
 * the base it was tuned from. Checkpoints add `optimizer.bin` (AdamW moments) and `state.json`.
 * The directory loads like any registered base (openHfModel), and exports as a merged checkpoint.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import type { TrainingState } from "../../trainer/model-dir.ts";
import { inspectCheckpoint } from "../checkpoint.ts";
import type { HfArchitecture } from "../config.ts";
import { setConfigDtype } from "../config-dtype.ts";
import { HfBaseRef } from "../lora/lora-dir.ts";
import { loadHfWeights } from "../model/weights.ts";
import { writeSafetensors } from "../safetensors-write.ts";
import { type FullLayout, flatten, storedTensors } from "./params.ts";

export const HF_SIDE_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "generation_config.json",
  "chat_template.jinja",
];

const FullJson = z.object({ format: z.literal("tunelab-full"), version: z.literal(1), base: HfBaseRef });

export function isFullDir(dir: string): boolean {
  try {
    return FullJson.safeParse(JSON.parse(readFileSync(join(dir, "tunelab.json"), "utf8"))).success;
  } catch {
    return false;
  }
}

export function readFullBase(dir: string): HfBaseRef {
  return FullJson.parse(JSON.parse(readFileSync(join(dir, "tunelab.json"), "utf8"))).base;
}

const bytes = (a: Vec) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Writes the AdamW moments m then v, straight from their arrays: no copy of the two (8 bytes a parameter). */
function writeMoments(path: string, m: Vec, v: Vec): void {
  const fd = openSync(path, "w");
  try {
    for (const a of [m, v]) {
      const b = bytes(a instanceof Float32Array ? a : Float32Array.from(a));
      for (let done = 0; done < b.byteLength; ) done += writeSync(fd, b, done, Math.min(b.byteLength - done, 1 << 30));
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads m then v into arrays of their own, straight from the file (a whole-file buffer and copies of it were 3× the moments). */
function readMoments(path: string, n: number): { m: Float32Array; v: Float32Array } {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size !== 8 * n) throw new Error(`${path}: expected ${8 * n} bytes, found ${size}`);
    const read = (at: number) => {
      const a = new Float32Array(n);
      const b = bytes(a);
      for (let done = 0; done < b.byteLength; ) {
        const got = readSync(fd, b, done, Math.min(b.byteLength - done, 1 << 30), at + done);
        if (got === 0) throw new Error(`${path}: ends at byte ${at + done}, expected ${8 * n} bytes`);
        done += got;
      }
      return a;
    };
    return { m: read(0), v: read(4 * n) };
  } finally {
    closeSync(fd);
  }
}

export function saveFullDir(
  dir: string,
  base: HfBaseRef,
  arch: HfArchitecture,
  layout: FullLayout,
  params: Vec,
  extra: { optimizer?: { m: Vec; v: Vec }; state?: TrainingState } = {},
): void {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  writeSafetensors(join(tmp, "model.safetensors"), storedTensors(arch, layout, params), "F32");
  const config = JSON.parse(readFileSync(join(base.dir, "config.json"), "utf8")) as Record<string, unknown>;
  setConfigDtype(config, "float32");
  writeFileSync(join(tmp, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  for (const f of HF_SIDE_FILES) if (existsSync(join(base.dir, f))) copyFileSync(join(base.dir, f), join(tmp, f));
  writeFileSync(join(tmp, "tunelab.json"), `${JSON.stringify({ format: "tunelab-full", version: 1, base }, null, 2)}\n`);
  if (extra.optimizer) writeMoments(join(tmp, "optimizer.bin"), extra.optimizer.m, extra.optimizer.v);
  if (extra.state) writeFileSync(join(tmp, "state.json"), `${JSON.stringify(extra.state, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

export function loadFullDir(
  dir: string,
  arch: HfArchitecture,
  layout: FullLayout,
  k: Kernels,
): { params: Vec; optimizer?: { m: Float32Array; v: Float32Array }; state?: TrainingState } {
  const params = flatten(k, arch, layout, loadHfWeights(inspectCheckpoint(dir), { keepHalves: false }));
  const out: { params: Vec; optimizer?: { m: Float32Array; v: Float32Array }; state?: TrainingState } = { params };
  const opt = join(dir, "optimizer.bin");
  if (existsSync(opt)) out.optimizer = readMoments(opt, layout.size);
  const state = join(dir, "state.json");
  if (existsSync(state)) out.state = JSON.parse(readFileSync(state, "utf8")) as TrainingState;
  return out;
}
