import type { z } from "zod";
import { MESSAGE_KEYS, ROLES } from "../format/chat.schema.ts";
import { DPO_KEYS } from "../format/dpo.schema.ts";
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
  if (path.length === 0 && issue.code === "unrecognized_keys") {
    // only a preference line is a strict object at the top
    sink.error(
      "invalid_field",
      `unrecognized top-level key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}; a preference line has ${DPO_KEYS.join(", ")}`,
      { line, path: issue.keys[0] ?? "" },
    );
    return;
  }
  if (issue.code === "too_small" && issue.origin === "array" && MESSAGE_LISTS.has(String(last))) {
    const n = Number(issue.minimum);
    sink.error("invalid_field", `expected at least ${n} message${n === 1 ? "" : "s"}, got ${describeLength(value)}`, where);
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
    // a list whose parts are wrong: what is wrong inside the part, at its own path (zod reports it inside the union)
    const inList = Array.isArray(value) && issue.code === "invalid_union" ? listBranch(issue.errors) : undefined;
    if (inList) {
      for (const inner of inList) reportOne(raw, { ...inner, path: [...path, ...inner.path] } as z.core.$ZodIssue, line, sink);
      return;
    }
    sink.error("invalid_field", `content must be a string, a list of content parts, or null; got ${describe(value)}`, where);
    return;
  }
  if (messageDepth >= 0 && path[messageDepth] === "content" && typeof path[messageDepth + 1] === "number") {
    sink.error(
      "invalid_field",
      contentPartProblem(issue, value, path.slice(messageDepth + 2), valueAt(raw, path.slice(0, messageDepth + 2))),
      where,
    );
    return;
  }
  sink.error("invalid_field", expectation(issue, value), where);
}

/** The issues of a union's list branch (the only branch whose issues lie inside the value), if any. */
function listBranch(branches: ReadonlyArray<ReadonlyArray<z.core.$ZodIssue>>): ReadonlyArray<z.core.$ZodIssue> | undefined {
  return branches.find((issues) => issues.length > 0 && issues.every((i) => i.path.length > 0));
}

const PART_TYPES = ["text", "image_url"];
const PART_KEYS: Record<string, string> = { text: "type, text", image_url: "type, image_url" };

/** What is wrong in one content part (`inside` is the path within the part, `part` the part itself). */
function contentPartProblem(issue: z.core.$ZodIssue, value: unknown, inside: ReadonlyArray<PropertyKey>, part: unknown): string {
  const type = part !== null && typeof part === "object" ? (part as { type?: unknown }).type : undefined;
  if (inside.length === 0 && issue.code === "invalid_type") {
    return `a content part must be an object with a type (${PART_TYPES.join(" or ")}), got ${describe(value)}`;
  }
  if (inside.length === 1 && inside[0] === "type") {
    return value === undefined
      ? `required (expected ${PART_TYPES.join(" or ")})`
      : `${JSON.stringify(value)} is not supported (expected ${PART_TYPES.join(" or ")})`;
  }
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => `"${k}"`).join(", ");
    if (inside.length === 0) return `unrecognized key(s) ${keys}; a ${String(type)} part has ${PART_KEYS[String(type)] ?? "type"}`;
    if (inside[0] === "image_url") return `unrecognized key(s) ${keys}; image_url has url and an optional detail`;
  }
  return expectation(issue, value);
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
      return value === undefined
        ? `required (expected ${typeName(issue.expected)})`
        : `expected ${typeName(issue.expected)}, got ${describe(value)}`;
    case "unrecognized_keys":
      return `unrecognized key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => String(v)).join(", ")}, got ${JSON.stringify(value)}`;
    case "too_small":
      return issue.origin === "array"
        ? `expected at least ${issue.minimum} item${issue.minimum === 1 ? "" : "s"}, got ${describeLength(value)}`
        : issue.origin === "string"
          ? `expected at least ${issue.minimum} character${issue.minimum === 1 ? "" : "s"}, got ${describe(value)}`
          : `expected at least ${issue.minimum}, got ${JSON.stringify(value)}`;
    case "too_big":
      return issue.origin === "array"
        ? `expected at most ${issue.maximum} items, got ${describeLength(value)}`
        : `expected at most ${issue.maximum}${issue.origin === "string" ? " characters" : ""}, got ${describe(value)}`;
    default:
      return issue.message;
  }
}

const TYPE_NAMES: Record<string, string> = {
  array: "a list",
  object: "an object",
  string: "a string",
  number: "a number",
  boolean: "true or false",
  null: "null",
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

function describeLength(value: unknown): string {
  if (!Array.isArray(value)) return describe(value);
  return value.length === 0 ? "an empty list" : `${value.length} item${value.length === 1 ? "" : "s"}`;
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
