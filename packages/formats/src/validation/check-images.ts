import type { ChatMessage } from "../format/chat.schema.ts";
import { imageBytesProblem, mimeProblem, sizeProblem } from "./image-rules.ts";
import type { IssueSink } from "./issue.ts";

export { IMAGE_LIMITS } from "./image-rules.ts";

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
export const HTTP_IMAGE_URL = /^https?:\/\/\S+$/i;

/**
 * Checks image parts of one message list; returns how many images it holds. Images belong in user messages: OpenAI
 * refuses them in assistant messages, and the chat format's system, developer and tool messages hold text only.
 * http(s) images are checked when they are fetched (at import), data URLs here, down to their bytes.
 */
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
      if (message.role !== "user") {
        sink.error("invalid_image", `images are allowed only in user messages, not in ${message.role} messages`, { line, path });
        return;
      }
      const problem = urlProblem(part.image_url.url);
      if (problem) sink.error("invalid_image", problem, { line, path });
    });
  });
  return count;
}

function urlProblem(url: string): string | undefined {
  if (HTTP_IMAGE_URL.test(url)) return undefined;
  const match = DATA_URL.exec(url);
  if (!match) return "image url must be http(s) or a base64 data URL (data:image/png;base64,...)";
  const mime = (match[1] ?? "").toLowerCase();
  const refused = mimeProblem(mime === "image/jpg" ? "image/jpeg" : mime);
  if (refused) return refused;
  const base64 = match[2] ?? "";
  const size = sizeProblem(Math.floor((base64.length * 3) / 4) - (base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0));
  if (size) return size;
  if (base64.length % 4 !== 0 || !BASE64.test(base64)) return "image data is not valid base64";
  return imageBytesProblem(Buffer.from(base64, "base64"), mime);
}
