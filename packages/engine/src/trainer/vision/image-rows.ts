/**
 * The image patches of a batch for the patch embedding (model/patch-embed.ts): each image of the
 * batch's examples is cut into patches (the patchify kernel), and every patch whose <|patch|> token is
 * inside its example's window goes to row b·T + t with its image position.
 */
import type { Kernels, Vec } from "../kernels/types.ts";
import type { ImageRows } from "../model/patch-embed.ts";
import type { Encoded, ImageAt } from "../tokenizer/chat-template.ts";
import { window } from "../train/batches.ts";
import { patchDim, patchesOf, type VisionSpec } from "./spec.ts";

/** Patch rows of one image (patchify of its [side, side, 3] pixels). */
export function imagePatches(k: Kernels, v: VisionSpec, img: ImageAt["image"]): Vec {
  if (img.side % v.patchSize !== 0) throw new Error(`an image of ${img.side} pixels is not a multiple of the ${v.patchSize}-pixel patch`);
  if (patchesOf(v, img.side) > v.maxPatches)
    throw new Error(`an image of ${img.side} pixels has more patches than the model's ${v.maxPatches}`);
  const out = k.alloc(img.side * img.side * v.channels);
  const pixels = out instanceof Float32Array ? img.pixels : Float64Array.from(img.pixels);
  k.patchify(pixels, out, 1, img.side, img.side, v.channels, v.patchSize);
  return out;
}

/** Image rows of the batch [B = indices.length, T]; starts[i] / n as makeBatch's windows. Undefined when it has no images. */
export function batchImageRows(
  k: Kernels,
  v: VisionSpec,
  examples: Encoded[],
  indices: number[],
  T: number,
  context: number,
): ImageRows | undefined {
  const pd = patchDim(v);
  const picked: Array<{ patches: Vec; from: number; row: number; position: number }> = [];
  indices.forEach((ex, b) => {
    const e = examples[ex] as Encoded;
    if (!e.images) return;
    const { start, n } = window(e, context);
    for (const img of e.images) {
      const count = patchesOf(v, img.image.side);
      let patches: Vec | undefined;
      for (let j = 0; j < count; j++) {
        const t = img.at + j - start; // the <|patch|> token at input position t
        if (t < 0 || t >= n) continue;
        patches ??= imagePatches(k, v, img.image);
        picked.push({ patches, from: j, row: b * T + t, position: j });
      }
    }
  });
  if (picked.length === 0) return undefined;
  const patches = k.alloc(picked.length * pd);
  picked.forEach((p, i) => {
    patches.set(p.patches.subarray(p.from * pd, (p.from + 1) * pd), i * pd);
  });
  return {
    n: picked.length,
    patches,
    rows: Int32Array.from(picked, (p) => p.row),
    positions: Int32Array.from(picked, (p) => p.position),
  };
}

/** Image rows of a prompt fed whole (one row; every <|patch|> at its own token index). Undefined without images. */
export function promptImageRows(k: Kernels, v: VisionSpec, images: ImageAt[]): ImageRows | undefined {
  if (images.length === 0) return undefined;
  const counts = images.map((img) => patchesOf(v, img.image.side));
  const n = counts.reduce((a, b) => a + b, 0);
  const pd = patchDim(v);
  const patches = k.alloc(n * pd);
  const rows = new Int32Array(n);
  const positions = new Int32Array(n);
  let i = 0;
  images.forEach((img, m) => {
    patches.set(imagePatches(k, v, img.image), i * pd);
    for (let j = 0; j < (counts[m] as number); j++, i++) {
      rows[i] = img.at + j;
      positions[i] = j;
    }
  });
  return { n, patches, rows, positions };
}
