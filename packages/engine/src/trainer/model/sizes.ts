/**
 * The named base sizes of the local engine. They start from seeded random weights: there are no
 * pretrained weights to download, every model learns from the user's data alone. `vocabSize` is
 * the BPE target; a small training file may yield fewer tokens (the model then uses that many).
 */
import type { ModelSpec } from "../types.ts";
import { paramCount } from "./layout.ts";

export const BASE_SIZES = {
  "local-tiny": { name: "local-tiny", vocabSize: 512, dModel: 64, nLayers: 2, nHeads: 4, contextLength: 256 },
  "local-small": { name: "local-small", vocabSize: 1024, dModel: 128, nLayers: 4, nHeads: 4, contextLength: 512 },
  "local-base": { name: "local-base", vocabSize: 2048, dModel: 256, nLayers: 6, nHeads: 8, contextLength: 1024 },
} as const satisfies Record<string, ModelSpec>;

/** Alias used by the job system and the models endpoint. */
export const BASE_MODELS: Readonly<Record<BaseSizeName, ModelSpec>> = BASE_SIZES;

export type BaseSizeName = keyof typeof BASE_SIZES;

export function isBaseSize(name: string): name is BaseSizeName {
  return Object.hasOwn(BASE_SIZES, name);
}

export function baseSpec(name: BaseSizeName): ModelSpec {
  return { ...BASE_SIZES[name] };
}

/** Parameter count of a base size at its full vocabulary. */
export function baseParamCount(name: BaseSizeName): number {
  return paramCount(BASE_SIZES[name]);
}
