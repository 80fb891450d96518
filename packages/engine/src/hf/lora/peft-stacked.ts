/**
 * LoRA adapters of the Phi-3 family as PEFT holds them. Phi-3 stores q/k/v as one `qkv_proj` module and gate/up as one
 * `gate_up_proj` (tensor-names.ts storedLinears), so PEFT, vLLM and llama.cpp's converter know only those modules, while
 * the engine trains one adapter per projection (q, k, v, gate, up apart, as for every architecture).
 *
 * Written (`stackedPeftTensors`): a stacked module's adapter holds its parts' adapters side by side, which is exact:
 * A = [A_q; A_k; A_v] (rank 3r) and B block-diagonal (rows of q times columns of A_q, …, zeros elsewhere), so
 * B·A = [B_q·A_q; B_k·A_k; B_v·A_v]. PEFT's `r` is one rank for every module (vLLM reads no `rank_pattern`), so every
 * module takes the largest (3r when q, k and v are all adapted), padded with zero rows of A and zero columns of B, and
 * `lora_alpha` scales with it (alpha · R / r) so alpha / rank is the engine's.
 *
 * Read (`readStackedPeft`): each part of a stacked module gets the module's whole A and its own rows of B, also exact
 * (an adapter PEFT trained on qkv_proj shares one A between q, k and v).
 */
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import type { HfArchitecture } from "../config.ts";
import { readTensorF32, type SafetensorsHeader } from "../safetensors.ts";
import { type LinearProjection, storedLinears } from "../tensor-names.ts";
import { LoraParams, loraLayout } from "./params.ts";
import type { LoraSettings } from "./settings.ts";

const key = (path: string, ab: "A" | "B") => `base_model.model.${path}.lora_${ab}.weight`;

export interface StackedPeft {
  tensors: Array<{ name: string; shape: number[]; data: Vec }>;
  /** PEFT's `r` and `lora_alpha` for every module. */
  rank: number;
  alpha: number;
  /** The checkpoint's module names adapted (`qkv_proj`, `o_proj`, …). */
  targets: string[];
}

/** The adapter under the checkpoint's module names, at one rank for every module (see the file's comment). */
export function stackedPeftTensors(arch: HfArchitecture, lora: LoraParams): StackedPeft {
  const r = lora.settings.rank;
  const adapted = (l: number) => storedLinears(arch, l).map((t) => ({ t, parts: t.parts.filter((p) => lora.slot(l, p.projection)) }));
  let most = 1;
  for (let l = 0; l < arch.layers; l++) for (const { parts } of adapted(l)) most = Math.max(most, parts.length);
  const R = most * r;
  const tensors: StackedPeft["tensors"] = [];
  const targets = new Set<string>();
  for (let l = 0; l < arch.layers; l++)
    for (const { t, parts } of adapted(l)) {
      if (parts.length === 0) continue;
      const [rows, inn] = t.shape;
      const A = new Float32Array(R * inn);
      const B = new Float32Array(rows * R);
      parts.forEach((part, j) => {
        const slot = lora.slot(l, part.projection);
        if (!slot) return;
        A.set(lora.A(slot), j * r * inn);
        const b = lora.B(slot);
        for (let i = 0; i < part.rows; i++) B.set(b.subarray(i * r, (i + 1) * r), (part.rowOffset + i) * R + j * r);
      });
      tensors.push({ name: key(t.path, "A"), shape: [R, inn], data: A }, { name: key(t.path, "B"), shape: [rows, R], data: B });
      targets.add(t.path.slice(t.path.lastIndexOf(".") + 1));
    }
  return { tensors, rank: R, alpha: (lora.settings.alpha * R) / r, targets: [...targets].sort() };
}

/**
 * Whether the adapter file names the checkpoint's stacked modules (PEFT's layout for Phi-3: some `qkv_proj` or
 * `gate_up_proj`) rather than the engine's projections. An adapter of `o_proj` / `down_proj` alone reads the same either way.
 */
export function isStackedPeft(arch: HfArchitecture, header: SafetensorsHeader): boolean {
  if (!arch.stackedProjections) return false;
  for (let l = 0; l < arch.layers; l++)
    for (const t of storedLinears(arch, l)) if (t.parts.length > 1 && header.tensors.has(key(t.path, "A"))) return true;
  return false;
}

/**
 * A PEFT adapter of a stacked checkpoint as the engine's per-projection adapter; `problem` names a tensor whose shape
 * is not [r, in] / [out, r].
 */
export function readStackedPeft(
  arch: HfArchitecture,
  header: SafetensorsHeader,
  k: Kernels,
  base: Omit<LoraSettings, "targets">,
  options: { inference?: boolean },
  problem: (name: string, expected: number[], shape: number[] | undefined) => Error,
): LoraParams {
  const r = base.rank;
  const present = (l: number) => storedLinears(arch, l).filter((t) => header.tensors.has(key(t.path, "A")));
  const targets: LinearProjection[] = [...new Set(present(0).flatMap((t) => t.parts.map((p) => p.projection)))];
  const lora = new LoraParams(k, loraLayout(arch, { ...base, targets }), { ...base, targets }, options);
  for (let l = 0; l < arch.layers; l++)
    for (const t of present(l)) {
      const [rows, inn] = t.shape;
      const read = (ab: "A" | "B", expected: number[]) => {
        const entry = header.tensors.get(key(t.path, ab));
        if (!entry || entry.shape.join("x") !== expected.join("x")) throw problem(key(t.path, ab), expected, entry?.shape);
        return readTensorF32(header.path, entry);
      };
      const A = read("A", [r, inn]);
      const B = read("B", [rows, r]);
      for (const part of t.parts) {
        const slot = lora.slot(l, part.projection);
        if (!slot) continue;
        lora.A(slot).set(A);
        lora.B(slot).set(B.subarray(part.rowOffset * r, (part.rowOffset + part.rows) * r));
      }
    }
  return lora;
}
