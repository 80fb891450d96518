/**
 * Decodes the images of chat examples before training (sharp is asynchronous; the training loop is
 * not): every `image_url` part becomes a decoded image part. Errors name the file and line.
 */
import type { ChatExample } from "../types.ts";
import { decodeImage, ImageInputError } from "./decode.ts";
import { hasImages, isImageUrlPart } from "./parts.ts";

export async function decodeExamples(examples: ChatExample[], file: "training" | "validation"): Promise<ChatExample[]> {
  const out: ChatExample[] = [];
  for (const [i, e] of examples.entries()) {
    if (!hasImages(e.messages)) {
      out.push(e);
      continue;
    }
    const messages: ChatExample["messages"] = [];
    for (const m of e.messages) {
      if (!Array.isArray(m.content)) {
        messages.push(m);
        continue;
      }
      const content: unknown[] = [];
      for (const part of m.content) {
        if (!isImageUrlPart(part)) {
          content.push(part);
          continue;
        }
        try {
          content.push(await decodeImage(part.image_url.url, part.image_url.detail ?? "auto"));
        } catch (error) {
          if (error instanceof ImageInputError) throw new ImageInputError(`The ${file} file line ${i + 1}: ${error.message}.`, error.code);
          throw error;
        }
      }
      messages.push({ ...m, content });
    }
    out.push({ ...e, messages });
  }
  return out;
}
