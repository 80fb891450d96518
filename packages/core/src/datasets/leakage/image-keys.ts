import { sha256 } from "@tunelab/base";
import { canonicalJson, type ExampleInput } from "@tunelab/formats";

/** Content hashes (sha256 of the bytes) of http(s) images fetched at import, by URL as the JSONL holds it. */
export type ImageHashes = ReadonlyMap<string, string>;

const DATA_URL = /^data:[^,]*;base64,/i;

/**
 * An image as the leakage check compares it: by the sha256 of its bytes (a data: URL's decoded bytes, an http(s)
 * image's bytes fetched at import), else by its URL; so the same picture matches however its URL spells the type.
 */
export function imageKey(url: string, fetched: (url: string) => string | undefined): string {
  const data = DATA_URL.exec(url);
  if (data) return `sha256:${sha256(Buffer.from(url.slice(data[0].length), "base64"))}`;
  const hash = fetched(url);
  return hash === undefined ? `url:${url}` : `sha256:${hash}`;
}

/** An input's identity for leakage: its hash with every image named by `imageKey`, and its images' keys (sorted). */
export interface LeakageInput {
  /** sha256 of the canonical input with image URLs replaced by their keys; the stored input hash when it has no image. */
  hash: string;
  /** The images' keys, sorted, one a line: inputs are near duplicates only when these are the same. */
  images: string;
}

export function leakageInput(input: ExampleInput, inputHash: string, fetched: (url: string) => string | undefined): LeakageInput {
  const keys: string[] = [];
  const messages = input.messages.map((message) => {
    if (!Array.isArray(message.content) || !message.content.some((part) => part.type === "image_url")) return message;
    const content = message.content.map((part) => {
      if (part.type !== "image_url") return part;
      const key = imageKey(part.image_url.url, fetched);
      keys.push(key);
      return { ...part, image_url: { ...part.image_url, url: key } };
    });
    return { ...message, content };
  });
  if (keys.length === 0) return { hash: inputHash, images: "" };
  return { hash: sha256(canonicalJson({ ...input, messages })), images: keys.sort().join("\n") };
}
