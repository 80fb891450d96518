import { z } from "zod";

/** Codes follow OpenAI's data-preparation checks where one exists, so users recognise them. */
export const ISSUE_CODES = [
  // errors
  "invalid_utf8",
  "invalid_unicode",
  "invalid_json",
  "duplicate_key",
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
  "unrecognized_key",
  "over_context_limit",
  "duplicate_example",
  "test_leakage_exact",
  "test_leakage_near",
  "training_leakage",
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
  /** 1-based byte column in the line (for bytes that are not UTF-8). */
  column: z.number().int().positive().optional(),
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

/**
 * Instances of one code kept in a report: a file where every line warns (no system message) lists the first ones and
 * counts the rest, so a report stays small whatever the file's size.
 */
export const MAX_ISSUES_PER_CODE = 100;

type Where = { line?: number; path?: string; column?: number; lines?: number[] };

/** Collects issues in O(1) per issue: totals per code, and the first `cap` instances of each code. */
export class IssueSink {
  readonly issues: ValidationIssue[] = [];
  readonly counts = new Map<IssueCode, number>();
  errorCount = 0;
  warningCount = 0;

  constructor(readonly cap = MAX_ISSUES_PER_CODE) {}

  error(code: IssueCode, message: string, at: Where = {}): void {
    this.add(withLocation({ severity: "error", code, message }, at));
  }

  warning(code: IssueCode, message: string, at: Where = {}): void {
    this.add(withLocation({ severity: "warning", code, message }, at));
  }

  add(issue: ValidationIssue, times = 1): void {
    if (issue.severity === "error") this.errorCount += times;
    else this.warningCount += times;
    const seen = this.counts.get(issue.code) ?? 0;
    this.counts.set(issue.code, seen + times);
    if (seen < this.cap) this.issues.push(issue);
  }

  /** Adds another sink's issues and counts (its instances within this sink's cap). */
  absorb(other: IssueSink): void {
    const listed = new Map<IssueCode, number>();
    for (const issue of other.issues) listed.set(issue.code, (listed.get(issue.code) ?? 0) + 1);
    const left = new Map(listed);
    for (const issue of other.issues) {
      const remaining = (left.get(issue.code) ?? 1) - 1;
      left.set(issue.code, remaining);
      // the last listed instance of a code also carries those the other sink counted but did not keep
      const unlisted = remaining === 0 ? (other.counts.get(issue.code) ?? 0) - (listed.get(issue.code) ?? 0) : 0;
      this.add(issue, 1 + unlisted);
    }
  }

  /** Issues in line order (whole-file findings first), as a report lists them. */
  sorted(): ValidationIssue[] {
    return [...this.issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  }

  countsByCode(): Partial<Record<IssueCode, number>> {
    return Object.fromEntries(this.counts);
  }
}

function withLocation(issue: ValidationIssue, at: Where): ValidationIssue {
  if (at.line !== undefined) issue.line = at.line;
  if (at.path !== undefined && at.path !== "") issue.path = at.path;
  if (at.column !== undefined) issue.column = at.column;
  if (at.lines) issue.lines = at.lines;
  return issue;
}
