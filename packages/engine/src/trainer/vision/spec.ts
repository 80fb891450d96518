/**
 * The vision front end of `local-*` models trained on images: ViT-style patches of a resized image, a
 * linear projection into the transformer's width plus learned image positions, added at an image token
 * span of the chat template. A model has it when its training file had images (`ModelSpec.vision`).
 *
 * Resolution by `detail` (OpenAI's image_url parameter): `low` 32×32 (16 patches), `high` 64×64
 * (64 patches), `auto` high when the source image is at least 64 pixels on its shorter side, else low.
 * Patches are 8×8 RGB (alpha is flattened onto white), pixels scaled to [-1, 1].
 */
import type { ModelSpec } from "../types.ts";

export interface VisionSpec {
  /** Side of a square patch, in pixels. */
  patchSize: number;
  channels: number;
  /** Learned image positions: patches of the largest resolution. */
  maxPatches: number;
}

export const VISION: VisionSpec = { patchSize: 8, channels: 3, maxPatches: 64 };

export type Detail = "low" | "high" | "auto";

export const RESOLUTION = { low: 32, high: 64 } as const;

/** Side in pixels an image of this source size is resized to for `detail`. */
export function resolutionFor(detail: Detail, width: number, height: number): number {
  if (detail === "auto") return Math.min(width, height) >= RESOLUTION.high ? RESOLUTION.high : RESOLUTION.low;
  return RESOLUTION[detail];
}

export function patchDim(v: VisionSpec): number {
  return v.patchSize * v.patchSize * v.channels;
}

/** Patches of a square image of this side. */
export function patchesOf(v: VisionSpec, side: number): number {
  return (side / v.patchSize) ** 2;
}

/**
 * The image span's tokens sit after the text vocabulary (ids text, text+1, text+2), so the byte-level
 * tokenizer and its saved merges are unchanged: <|image|> <|patch|>×N <|/image|>.
 */
export const IMAGE_TOKENS = 3;

export interface ImageTokenIds {
  start: number;
  patch: number;
  end: number;
}

export function imageTokenIds(textVocab: number): ImageTokenIds {
  return { start: textVocab, patch: textVocab + 1, end: textVocab + 2 };
}

/** Size of the tokenizer's vocabulary (the model's, less the image tokens of a vision model). */
export function textVocabSize(spec: Pick<ModelSpec, "vocabSize" | "vision">): number {
  return spec.vision ? spec.vocabSize - IMAGE_TOKENS : spec.vocabSize;
}

/** The chat template's image encoding for a model (undefined: a text-only model). */
export function visionEncoding(spec: Pick<ModelSpec, "vocabSize" | "vision">): { spec: VisionSpec; tokens: ImageTokenIds } | undefined {
  return spec.vision ? { spec: spec.vision, tokens: imageTokenIds(textVocabSize(spec)) } : undefined;
}
