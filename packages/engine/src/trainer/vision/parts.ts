/** Image content parts of chat messages: OpenAI's `image_url` parts, and what decoding makes of them. */
import type { DecodedImage } from "./decode.ts";
import type { Detail } from "./spec.ts";

export interface ImageUrlPart {
  type: "image_url";
  image_url: { url: string; detail?: Detail };
}

export function isImageUrlPart(part: unknown): part is ImageUrlPart {
  const p = part as { type?: unknown; image_url?: { url?: unknown } } | null;
  return p?.type === "image_url" && typeof p.image_url?.url === "string";
}

export function isDecodedImage(part: unknown): part is DecodedImage {
  return (part as { type?: unknown } | null)?.type === "image_pixels";
}

/** True when any message has an image part (decoded or not). */
export function hasImages(messages: ReadonlyArray<{ content?: unknown }>): boolean {
  return messages.some((m) => Array.isArray(m.content) && m.content.some((p) => isImageUrlPart(p) || isDecodedImage(p)));
}
