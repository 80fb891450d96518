import type { z } from "zod";
import { MESSAGE_KEYS, ROLES } from "../format/chat.schema.ts";
import { formatPath, type IssueSink } from "./issue.ts";

const MESSAGE_LISTS = new Set(["messages", "preferred_output", "non_preferred_output"]);

/** Turns zod's structural findings into OpenAI's data-prep codes with the line, field path and what was expected. */
export function reportZodIssues(raw: unknown, issues: ReadonlyArray<z.core.$ZodIssue>, line: number, sink: IssueSink): void {
  for (const issue of issues) reportOne(raw, issue, line, sink);
}

function reportOne(raw: unknown, issue: z.core.$ZodIssue, line: number, sink: IssueSink): void {
  const path = issue.path;
  const where = { line, path: formatPath(path) };
  const value = valueAt(raw, path);
  const missing = value === undefined;
  const last = path[path.length - 1];

  if (path.length === 0 && issue.code === "invalid_type") {
    sink.error("data_type", `line must be a JSON object, got ${describe(raw)}`, where);
    return;
  }
  if (path.length === 1 && path[0] === "messages" && issue.code === "invalid_type") {
    sink.error(
      "missing_messages_list",
      missing ? 'no `messages` list: expected {"messages": [...]}' : `\`messages\` must be a list, got ${describe(value)}`,
      where,
    );
    return;
  }
  const messageDepth = messagePathDepth(path);
  if (messageDepth === path.length && issue.code === "invalid_type") {
    sink.error("data_type", `message must be an object with role and content, got ${describe(value)}`, where);
    return;
  }
  if (messageDepth === path.length && issue.code === "unrecognized_keys") {
    sink.error(
      "message_unrecognized_key",
      `unrecognized key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}; a message may have ${MESSAGE_KEYS.join(", ")}`,
      where,
    );
    return;
  }
  if (messageDepth === path.length - 1 && last === "role") {
    if (missing) sink.error("message_missing_key", "message has no `role`", where);
    else sink.error("unrecognized_role", `role ${JSON.stringify(value)} is not one of ${ROLES.join(", ")}`, where);
    return;
  }
  if (messageDepth === path.length - 1 && last === "weight") {
    sink.error("invalid_weight", `weight must be 0 or 1, got ${JSON.stringify(value)}`, where);
    return;
  }
  if (messageDepth >= 0 && path.includes("tool_calls")) {
    sink.error("invalid_tool_call", `tool call: ${expectation(issue, value)}`, where);
    return;
  }
  if (messageDepth === path.length - 1 && last === "content") {
    sink.error("invalid_field", `content must be a string, a list of content parts, or null; got ${describe(value)}`, where);
    return;
  }
  sink.error("invalid_field", expectation(issue, value), where);
}

/** Index just past `messages[i]` (or preferred_output[i]) in the path, or -1 when the path is not inside a message. */
function messagePathDepth(path: ReadonlyArray<PropertyKey>): number {
  for (let i = 1; i < path.length; i++) {
    if (typeof path[i] === "number" && MESSAGE_LISTS.has(String(path[i - 1]))) return i + 1;
  }
  return -1;
}

function expectation(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      return value === undefined ? `missing; expected ${issue.expected}` : `expected ${issue.expected}, got ${describe(value)}`;
    case "unrecognized_keys":
      return `unrecognized key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(value)}`;
    default:
      return issue.message;
  }
}

export function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = raw;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return value.length > 40 ? `a string ("${value.slice(0, 37)}...")` : `the string "${value}"`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
