import { ChatExample, type ChatMessage } from "../format/chat.schema.ts";
import { DpoExample } from "../format/dpo.schema.ts";
import type { DatasetFormat } from "../format/format.ts";
import { checkImages, IMAGE_LIMITS } from "./check-images.ts";
import { checkMessages } from "./check-messages.ts";
import type { IssueSink } from "./issue.ts";
import { reportZodIssues } from "./zod-issues.ts";

export interface LineFacts {
  images: number;
}

/** Validates one parsed line against the file's format. Returns facts for stats, or undefined when it has errors. */
export function validateLine(value: Record<string, unknown>, format: DatasetFormat, line: number, sink: IssueSink): LineFacts | undefined {
  const before = sink.errorCount;
  const images = format === "preference" ? validatePreference(value, line, sink) : validateChat(value, format, line, sink);
  if (images > IMAGE_LIMITS.perExample) {
    sink.error("too_many_images", `example has ${images} images; the limit is ${IMAGE_LIMITS.perExample}`, { line });
  }
  return sink.errorCount === before ? { images } : undefined;
}

function validateChat(value: Record<string, unknown>, format: DatasetFormat, line: number, sink: IssueSink): number {
  const parsed = ChatExample.safeParse(value);
  if (!parsed.success) {
    reportZodIssues(value, parsed.error.issues, line, sink);
    return 0;
  }
  const messages = parsed.data.messages;
  if (messages.length === 0) {
    sink.error("missing_messages_list", "`messages` is empty", { line, path: "messages" });
    return 0;
  }
  checkMessages(messages, "messages", line, sink);
  if (format === "supervised") {
    if (!messages.some((m) => m.role === "assistant")) {
      sink.error("example_missing_assistant_message", "example has no assistant message to learn from", { line, path: "messages" });
    }
    warnMissingRoles(messages, line, sink);
  }
  return checkImages(messages, "messages", line, sink);
}

function validatePreference(value: Record<string, unknown>, line: number, sink: IssueSink): number {
  const parsed = DpoExample.safeParse(value);
  if (!parsed.success) {
    reportZodIssues(value, parsed.error.issues, line, sink);
    return 0;
  }
  const { input, preferred_output, non_preferred_output } = parsed.data;
  checkMessages(input.messages, "input.messages", line, sink);
  for (const [key, outputs] of [
    ["preferred_output", preferred_output],
    ["non_preferred_output", non_preferred_output],
  ] as const) {
    checkMessages(outputs, key, line, sink);
    outputs.forEach((m, i) => {
      if (m.role !== "assistant") {
        sink.error("invalid_field", `${key} must hold assistant messages, got role "${m.role}"`, { line, path: `${key}[${i}].role` });
      }
    });
    checkImages(outputs, key, line, sink);
  }
  return checkImages(input.messages, "input.messages", line, sink);
}

function warnMissingRoles(messages: ReadonlyArray<ChatMessage>, line: number, sink: IssueSink): void {
  if (!messages.some((m) => m.role === "system" || m.role === "developer")) {
    sink.warning("missing_system_message", "example has no system message", { line });
  }
  if (!messages.some((m) => m.role === "user")) {
    sink.warning("missing_user_message", "example has no user message", { line });
  }
}
