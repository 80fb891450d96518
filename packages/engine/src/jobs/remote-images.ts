/** The first image of a file's examples that is not a `data:` URL (the engine reads no other: core fetches http(s) images at import). */
import type { ChatExample } from "../trainer/types.ts";
import { isImageUrlPart } from "../trainer/vision/parts.ts";

export function firstRemoteImage(examples: readonly ChatExample[]): { line: number; url: string } | undefined {
  for (const [i, e] of examples.entries()) {
    for (const m of e.messages) {
      if (!Array.isArray(m.content)) continue;
      for (const part of m.content)
        if (isImageUrlPart(part) && !part.image_url.url.startsWith("data:")) return { line: i + 1, url: part.image_url.url };
    }
  }
  return undefined;
}
