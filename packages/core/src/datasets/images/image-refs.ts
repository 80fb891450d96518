import { HTTP_IMAGE_URL } from "@tunelab/formats";

/** Where an http(s) image of a dataset file first appears: the line and the field, as validation names them. */
export interface RemoteImageRef {
  url: string;
  line: number;
  path: string;
}

interface ImagePartLike {
  type?: unknown;
  image_url?: { url?: unknown };
}

/** Collects the http(s) image URLs of a file's examples as they are validated, each URL once (its first place). */
export class RemoteImageRefs {
  private readonly byUrl = new Map<string, RemoteImageRef>();

  add(example: { line: number; value: Record<string, unknown> }): void {
    const { value, line } = example;
    this.addList(value.messages, "messages", line);
    const input = value.input as { messages?: unknown } | undefined;
    if (input && typeof input === "object") this.addList(input.messages, "input.messages", line);
  }

  has(url: string): boolean {
    return this.byUrl.has(url);
  }

  get list(): RemoteImageRef[] {
    return [...this.byUrl.values()];
  }

  private addList(messages: unknown, listPath: string, line: number): void {
    if (!Array.isArray(messages)) return;
    messages.forEach((message: { content?: unknown }, m) => {
      if (!Array.isArray(message?.content)) return;
      message.content.forEach((part: ImagePartLike, p) => {
        const url = part?.type === "image_url" ? part.image_url?.url : undefined;
        if (typeof url !== "string" || !HTTP_IMAGE_URL.test(url) || this.byUrl.has(url)) return;
        this.byUrl.set(url, { url, line, path: `${listPath}[${m}].content[${p}].image_url.url` });
      });
    });
  }
}

/** Every image part's URL of one parsed line, rewritten by `replace` (undefined keeps it); returns whether any changed. */
export function rewriteImageUrls(value: Record<string, unknown>, replace: (url: string) => string | undefined): boolean {
  let changed = false;
  const lists = [value.messages, (value.input as { messages?: unknown } | undefined)?.messages];
  for (const messages of lists) {
    if (!Array.isArray(messages)) continue;
    for (const message of messages as Array<{ content?: unknown }>) {
      if (!Array.isArray(message?.content)) continue;
      for (const part of message.content as ImagePartLike[]) {
        const url = part?.type === "image_url" ? part.image_url?.url : undefined;
        if (typeof url !== "string" || !part.image_url) continue;
        const next = replace(url);
        if (next !== undefined && next !== url) {
          part.image_url.url = next;
          changed = true;
        }
      }
    }
  }
  return changed;
}
