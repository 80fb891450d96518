import { badRequest } from "../http/openai-error.ts";
import type { ChatRequest } from "./chat.schema.ts";

/** An assistant message's tool calls still waiting for their tool messages. */
interface OpenCalls {
  index: number;
  ids: string[];
  answered: Set<string>;
}

/**
 * OpenAI's rules for tool turns in a chat completion's messages, refused with its 400s (each naming the message):
 * a `tool` message needs a `tool_call_id`; it must answer a call of the assistant message with `tool_calls` it
 * follows (only tool messages in between); and that assistant message must be followed by a tool message for each of
 * its calls before anything else (or the end of the messages).
 */
export function checkToolTurns(messages: ChatRequest["messages"]): void {
  let open: OpenCalls | undefined;
  messages.forEach((message, index) => {
    if (message.role === "tool") {
      if (message.tool_call_id === undefined)
        throw badRequest(
          `Missing required parameter: 'messages[${index}].tool_call_id'. Messages with role 'tool' must have a 'tool_call_id' naming the tool call they answer.`,
          `messages[${index}].tool_call_id`,
          "missing_required_parameter",
        );
      if (!open)
        throw badRequest(
          `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'. messages[${index}] (tool_call_id '${message.tool_call_id}') does not follow an assistant message with 'tool_calls' (only tool messages may come between them).`,
          `messages[${index}].role`,
        );
      if (!open.ids.includes(message.tool_call_id))
        throw badRequest(
          `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'. messages[${index}].tool_call_id '${message.tool_call_id}' answers none of the tool calls of messages[${open.index}] (${quoted(open.ids)}).`,
          `messages[${index}].tool_call_id`,
        );
      open.answered.add(message.tool_call_id);
      return;
    }
    closeCalls(open);
    open =
      message.role === "assistant" && message.tool_calls?.length
        ? { index, ids: message.tool_calls.map((call) => call.id), answered: new Set() }
        : undefined;
  });
  closeCalls(open);
}

/** The tool turns of an assistant message end: each of its calls must have been answered. */
function closeCalls(open: OpenCalls | undefined): void {
  if (!open) return;
  const unanswered = open.ids.filter((id) => !open.answered.has(id));
  if (unanswered.length > 0)
    throw badRequest(
      `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids of messages[${open.index}].tool_calls did not have response messages: ${unanswered.join(", ")}`,
      `messages[${open.index}].tool_calls`,
    );
}

const quoted = (ids: string[]) => ids.map((id) => `'${id}'`).join(", ");
