/**
 * Image decoding for the vision front end, with sharp (libvips): a `data:` URL holding PNG, JPEG, WebP
 * or GIF (its first frame) → an RGB square of the `detail`'s resolution (vision/spec.ts), alpha
 * flattened onto white, pixels scaled to [-1, 1], channels last. The engine reads `data:` URLs only:
 * http(s) images are fetched (and stored with the dataset) before they reach it.
 */
import sharp, { type Metadata } from "sharp";
import { type Detail, resolutionFor } from "./spec.ts";

/** An image content part after decoding: what the trainer and the decoder read. */
export interface DecodedImage {
  type: "image_pixels";
  side: number;
  /** [side, side, 3] floats in [-1, 1]. */
  pixels: Float32Array;
}

export class ImageInputError extends Error {
  override readonly name = "ImageInputError";
  constructor(
    message: string,
    readonly code: "invalid_image" | "invalid_image_url" = "invalid_image",
  ) {
    super(message);
  }
}

const FORMATS = new Set(["png", "jpeg", "webp", "gif"]);
/** Larger images are refused rather than decoded (OpenAI's limit is 10 MB an image). */
const MAX_INPUT_PIXELS = 64_000_000;

/** The bytes of a base64 `data:image/...` URL; anything else is refused with a reason. */
export function dataUrlBytes(url: string): Buffer {
  if (/^https?:/i.test(url))
    throw new ImageInputError(
      "the local engine reads images from data: URLs only; http(s) images are fetched when the dataset is imported (tunelab data import)",
      "invalid_image_url",
    );
  const m = /^data:image\/[a-z0-9.+-]+;base64,/i.exec(url);
  if (!m) throw new ImageInputError("an image URL must be a base64 data: URL (data:image/png;base64,…)", "invalid_image_url");
  return Buffer.from(url.slice(m[0].length), "base64");
}

export async function decodeImage(url: string, detail: Detail = "auto"): Promise<DecodedImage> {
  if (!["low", "high", "auto"].includes(detail))
    throw new ImageInputError(`detail must be "low", "high" or "auto", not ${JSON.stringify(detail)}`);
  const bytes = dataUrlBytes(url);
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch (error) {
    throw new ImageInputError(`the image does not decode (${(error as Error).message})`);
  }
  if (!meta.format || !FORMATS.has(meta.format))
    throw new ImageInputError(`images must be PNG, JPEG, WebP or GIF, not ${meta.format ?? "an unknown format"}`);
  const side = resolutionFor(detail, meta.width ?? 0, meta.height ?? 0);
  const raw = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, pages: 1 })
    .flatten({ background: "#ffffff" })
    .toColourspace("srgb")
    .resize(side, side, { fit: "fill", kernel: "lanczos3" })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((error: Error) => {
      throw new ImageInputError(`the image does not decode (${error.message})`);
    });
  if (raw.info.channels !== 3 || raw.info.width !== side || raw.info.height !== side)
    throw new ImageInputError(`the image decoded to ${raw.info.width}×${raw.info.height}×${raw.info.channels}, not ${side}×${side}×3`);
  const pixels = new Float32Array(side * side * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (raw.data[i] as number) / 127.5 - 1;
  return { type: "image_pixels", side, pixels };
}
