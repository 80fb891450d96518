import { z } from "zod";

/** Codes follow OpenAI's data-preparation checks where one exists, so users recognise them. */
export const ISSUE_CODES = [
  // errors
  "invalid_json",
  "empty_line",
  "data_type",
  "missing_messages_list",
  "message_missing_key",
  "message_unrecognized_key",
  "unrecognized_role",
  "missing_content",
  "example_missing_assistant_message",
  "invalid_field",
  "invalid_weight",
  "invalid_tool_call",
  "invalid_image",
  "too_many_images",
  "image_in_assistant_message",
  "mixed_formats",
  "empty_file",
  // warnings
  "too_few_examples",
  "missing_system_message",
  "missing_user_message",
  "over_context_limit",
  "duplicate_example",
  "test_leakage_exact",
  "test_leakage_near",
] as const;
export const IssueCode = z.enum(ISSUE_CODES);
export type IssueCode = z.infer<typeof IssueCode>;

export const ValidationIssue = z.object({
  severity: z.enum(["error", "warning"]),
  code: IssueCode,
  /** 1-based line in the file; absent for whole-file findings. */
  line: z.number().int().positive().optional(),
  /** Field path inside the line, e.g. `messages[2].role`. */
  path: z.string().optional(),
  message: z.string(),
  /** Other lines the same finding concerns (e.g. the earlier duplicate). */
  lines: z.array(z.number().int().positive()).optional(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Collects issues of one line. */
export class IssueSink {
  readonly issues: ValidationIssue[] = [];

  error(code: IssueCode, message: string, at: { line?: number; path?: string } = {}): void {
    this.issues.push(withLocation({ severity: "error", code, message }, at));
  }

  warning(code: IssueCode, message: string, at: { line?: number; path?: string; lines?: number[] } = {}): void {
    const issue = withLocation({ severity: "warning", code, message }, at);
    if (at.lines) issue.lines = at.lines;
    this.issues.push(issue);
  }

  get errorCount(): number {
    return this.issues.filter((i) => i.severity === "error").length;
  }
}

function withLocation(issue: ValidationIssue, at: { line?: number; path?: string }): ValidationIssue {
  if (at.line !== undefined) issue.line = at.line;
  if (at.path !== undefined && at.path !== "") issue.path = at.path;
  return issue;
}
