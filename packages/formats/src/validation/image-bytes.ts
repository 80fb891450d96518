/**
 * What an image's first bytes say: its container format (by signature) and, for the formats OpenAI accepts in
 * fine-tuning data, its colour mode (PNG's IHDR colour type, the component count of JPEG's frame header). Header
 * reading only; decoding pixels is the engine's job (sharp).
 */
export type ImageFormat = "png" | "jpeg" | "webp" | "gif";
export type ColourMode = "rgb" | "rgba" | "grey" | "grey_alpha" | "palette" | "cmyk";

export interface ImageFacts {
  format: ImageFormat | undefined;
  /** Undefined when the header does not say (or is cut short). */
  mode: ColourMode | undefined;
}

export const MIME_OF_FORMAT: Record<ImageFormat, string> = {
  png: "image/png",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
};

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_MODES: Record<number, ColourMode> = { 0: "grey", 2: "rgb", 3: "palette", 4: "grey_alpha", 6: "rgba" };
const JPEG_MODES: Record<number, ColourMode> = { 1: "grey", 3: "rgb", 4: "cmyk" };

export function imageFacts(bytes: Uint8Array): ImageFacts {
  if (startsWith(bytes, PNG_SIGNATURE)) return { format: "png", mode: PNG_MODES[bytes[25] ?? -1] };
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { format: "jpeg", mode: jpegMode(bytes) };
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") return { format: "webp", mode: webpMode(bytes) };
  if (ascii(bytes, 0, 6) === "GIF87a" || ascii(bytes, 0, 6) === "GIF89a") return { format: "gif", mode: "palette" };
  return { format: undefined, mode: undefined };
}

/** Walks the JPEG's marker segments up to the frame header (SOF0..SOF15 but DHT, JPG, DAC) and reads its component count. */
function jpegMode(bytes: Uint8Array): ColourMode | undefined {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1] ?? 0;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan data or end before any frame header
    const length = ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return JPEG_MODES[bytes[at + 9] ?? -1];
    }
    at += 2 + length;
  }
  return undefined;
}

/** WebP is always RGB: VP8 (lossy) without alpha, VP8L (lossless) and VP8X (extended) with an alpha flag. */
function webpMode(bytes: Uint8Array): ColourMode | undefined {
  const chunk = ascii(bytes, 12, 4);
  if (chunk === "VP8 ") return "rgb";
  if (chunk === "VP8L") return ((bytes[24] ?? 0) & 0x10) !== 0 ? "rgba" : "rgb";
  if (chunk === "VP8X") return ((bytes[20] ?? 0) & 0x10) !== 0 ? "rgba" : "rgb";
  return undefined;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}
