/** Grey pixels → PNG bytes with sharp (the engine's image library, resolved from packages/engine). */
import { createRequire } from "node:module";

/** The slice of sharp's API this example uses. */
interface SharpPipeline {
  toColourspace(space: "srgb"): SharpPipeline;
  png(options: { compressionLevel: number; adaptiveFiltering: boolean }): SharpPipeline;
  toBuffer(): Promise<Buffer>;
}
type Sharp = (input: Uint8Array, options: { raw: { width: number; height: number; channels: 1 } }) => SharpPipeline;

const sharp = createRequire(new URL("../../packages/engine/package.json", import.meta.url))("sharp") as Sharp;

/** An RGB PNG (OpenAI requires RGB or RGBA images) of `width`×`height` grey pixels; same bytes for the same pixels (no metadata, fixed compression). */
export function digitPng(pixels: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(pixels, { raw: { width, height, channels: 1 } })
    .toColourspace("srgb")
    .png({ compressionLevel: 9, adaptiveFiltering: false })
    .toBuffer();
}

export function pngDataUrl(png: Buffer): string {
  return `data:image/png;base64,${png.toString("base64")}`;
}
