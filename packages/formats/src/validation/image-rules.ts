import { type ColourMode, imageFacts, MIME_OF_FORMAT } from "./image-bytes.ts";

/**
 * OpenAI's rules for images in fine-tuning data (vision fine-tuning guide, "Image data requirements"): at most 50,000
 * examples with images per training file, 10 images per example, 10 MB per image, JPEG, PNG or WEBP, RGB or RGBA
 * mode, no images in assistant messages. GIF is refused here as OpenAI refuses it (the engine's chat completions
 * still accept GIF input, as OpenAI's do).
 */
export const IMAGE_LIMITS = {
  perExample: 10,
  examplesPerFile: 50_000,
  maxBytes: 10 * 1024 * 1024,
  mimeTypes: ["image/jpeg", "image/png", "image/webp"],
};

const MODE_NAMES: Record<ColourMode, string> = {
  rgb: "RGB",
  rgba: "RGBA",
  grey: "greyscale",
  grey_alpha: "greyscale with alpha",
  palette: "palette (indexed colour)",
  cmyk: "CMYK",
};

export function mimeProblem(mime: string): string | undefined {
  if (IMAGE_LIMITS.mimeTypes.includes(mime)) return undefined;
  const what = mime === "image/gif" ? "GIF" : mime;
  return `image type ${what} is not accepted in fine-tuning data; use JPEG, PNG or WEBP`;
}

export function sizeProblem(bytes: number): string | undefined {
  if (bytes <= IMAGE_LIMITS.maxBytes) return undefined;
  return `image is ${(bytes / 1048576).toFixed(1)} MB; the limit is 10 MB`;
}

/** What is wrong with an image's bytes under OpenAI's rules, given the type it claims (data URL or Content-Type). */
export function imageBytesProblem(bytes: Uint8Array, claimedMime: string): string | undefined {
  const size = sizeProblem(bytes.length);
  if (size) return size;
  const { format, mode } = imageFacts(bytes);
  if (format === undefined) return `image data is not a JPEG, PNG or WEBP image (declared ${claimedMime})`;
  const actual = MIME_OF_FORMAT[format];
  const refused = mimeProblem(actual);
  if (refused) return refused;
  const claimed = claimedMime === "image/jpg" ? "image/jpeg" : claimedMime;
  if (actual !== claimed) return `image is declared ${claimedMime} but its data is ${actual}`;
  if (mode !== undefined && mode !== "rgb" && mode !== "rgba") {
    return `image is ${MODE_NAMES[mode]}; images must be in the RGB or RGBA mode (convert it, e.g. with sharp's toColourspace("srgb"))`;
  }
  return undefined;
}
