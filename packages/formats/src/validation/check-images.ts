import type { ChatMessage } from "../format/chat.schema.ts";
import type { IssueSink } from "./issue.ts";

/** OpenAI's limits for images in fine-tuning data. */
export const IMAGE_LIMITS = { perExample: 10, maxBytes: 10 * 1024 * 1024, mimeTypes: ["image/jpeg", "image/png", "image/webp"] };

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

/** Checks image parts of one message list; returns how many images it holds. */
export function checkImages(messages: ReadonlyArray<ChatMessage>, listPath: string, line: number, sink: IssueSink): number {
  let count = 0;
  messages.forEach((message, m) => {
    if (!Array.isArray(message.content)) return;
    message.content.forEach((part, p) => {
      if (part.type !== "image_url") return;
      count++;
      const path = `${listPath}[${m}].content[${p}].image_url.url`;
      if (message.role === "assistant") {
        sink.error("image_in_assistant_message", "images are not allowed in assistant messages", { line, path });
        return;
      }
      checkUrl(part.image_url.url, path, line, sink);
    });
  });
  return count;
}

function checkUrl(url: string, path: string, line: number, sink: IssueSink): void {
  if (/^https?:\/\/\S+$/i.test(url)) return;
  const match = DATA_URL.exec(url);
  if (!match) {
    sink.error("invalid_image", "image url must be http(s) or a base64 data URL (data:image/png;base64,...)", { line, path });
    return;
  }
  const mime = (match[1] ?? "").toLowerCase();
  if (!IMAGE_LIMITS.mimeTypes.includes(mime)) {
    sink.error("invalid_image", `image type ${mime} is not supported; use JPEG, PNG or WEBP`, { line, path });
    return;
  }
  const base64 = match[2] ?? "";
  const bytes = Math.floor((base64.length * 3) / 4) - (base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0);
  if (bytes > IMAGE_LIMITS.maxBytes) {
    sink.error("invalid_image", `image is ${(bytes / 1048576).toFixed(1)} MB; the limit is 10 MB`, { line, path });
  }
}
