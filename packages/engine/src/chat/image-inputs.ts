/**
 * `image_url` content parts of a chat completion request: accepted by `local-*` models fine-tuned on
 * images (their spec has the vision front end), decoded here (sharp, data: URLs only) before the
 * request reaches the inference worker; refused in OpenAI's shape for every other model.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { badRequest } from "../http/openai-error.ts";
import type { ModelSource } from "../models/inference/protocol.ts";
import type { ChatExample, ModelSpec } from "../trainer/types.ts";
import { decodeImage, ImageInputError } from "../trainer/vision/decode.ts";
import { isImageUrlPart } from "../trainer/vision/parts.ts";

type Messages = ChatExample["messages"];

/** True for a tuned `local-*` model directory whose config has the vision front end. */
export function readsImages(source: ModelSource): boolean {
  if (source.kind !== "dir") return false;
  const config = join(source.dir, "config.json");
  if (!existsSync(config)) return false;
  const spec = (JSON.parse(readFileSync(config, "utf8")) as { spec?: ModelSpec }).spec;
  return Boolean(spec?.vision);
}

/** The messages with their images decoded; the messages as they are when they have none. */
export async function decodeImageInputs(messages: Messages, source: ModelSource, model: string): Promise<Messages> {
  const where: Array<[number, number]> = [];
  for (const [i, m] of messages.entries()) {
    if (!Array.isArray(m.content)) continue;
    for (const [j, p] of m.content.entries()) if (isImageUrlPart(p)) where.push([i, j]);
  }
  const [first] = where;
  if (!first) return messages;
  if (!readsImages(source))
    throw badRequest(
      `Invalid content type. image_url is only supported by models fine-tuned on images; ${model} was trained on text only.`,
      `messages.[${first[0]}].content.[${first[1]}].type`,
      "image_not_supported",
    );
  const out = messages.map((m) => (Array.isArray(m.content) ? { ...m, content: [...m.content] } : m));
  for (const [i, j] of where) {
    const content = out[i]?.content as unknown[];
    const part = content[j];
    if (!isImageUrlPart(part)) continue;
    try {
      content[j] = await decodeImage(part.image_url.url, part.image_url.detail ?? "auto");
    } catch (error) {
      if (!(error instanceof ImageInputError)) throw error;
      throw badRequest(
        `Invalid image in messages[${i}].content[${j}]: ${error.message}.`,
        `messages.[${i}].content.[${j}].image_url.url`,
        error.code,
      );
    }
  }
  return out;
}
