import type { ChatMessage } from "../format/chat.schema.ts";
import type { IssueSink } from "./issue.ts";

/** Rules zod's shape cannot say: which keys each role needs, weights, tool calls. */
export function checkMessages(messages: ReadonlyArray<ChatMessage>, listPath: string, line: number, sink: IssueSink): void {
  messages.forEach((message, i) => {
    const path = `${listPath}[${i}]`;
    const callsTool = message.tool_calls !== undefined || message.function_call !== undefined;
    if (message.content === undefined && !(message.role === "assistant" && callsTool)) {
      sink.error("message_missing_key", `${message.role} message has no \`content\``, { line, path });
    } else if (isEmpty(message.content) && !callsTool) {
      sink.error("missing_content", `${message.role} message has empty content`, { line, path: `${path}.content` });
    }
    if (message.weight !== undefined && message.role !== "assistant") {
      sink.error("invalid_weight", "weight is only allowed on assistant messages", { line, path: `${path}.weight` });
    }
    if (message.role === "tool" && message.tool_call_id === undefined) {
      sink.error("message_missing_key", "tool message has no `tool_call_id`", { line, path });
    }
    if (message.role === "function" && message.name === undefined) {
      sink.error("message_missing_key", "function message has no `name`", { line, path });
    }
    if (message.tool_calls && message.role !== "assistant") {
      sink.error("invalid_tool_call", "only assistant messages may have tool_calls", { line, path: `${path}.tool_calls` });
    }
    message.tool_calls?.forEach((call, c) => {
      checkArguments(call.function.arguments, `${path}.tool_calls[${c}].function.arguments`, line, sink);
    });
    if (message.function_call) checkArguments(message.function_call.arguments, `${path}.function_call.arguments`, line, sink);
  });
}

function isEmpty(content: ChatMessage["content"]): boolean {
  if (content === null || content === undefined) return true;
  if (typeof content === "string") return content.trim() === "";
  return content.length === 0;
}

function checkArguments(args: string, path: string, line: number, sink: IssueSink): void {
  try {
    JSON.parse(args);
  } catch {
    sink.error("invalid_tool_call", "function arguments must be a JSON-encoded string", { line, path });
  }
}
