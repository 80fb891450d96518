import { sha256 } from "../../shared/hash.ts";
import { canonicalJson } from "../canonical.ts";
import { type DatasetExample, exampleInput } from "../example.ts";
import type { ChatMessage } from "../format/chat.schema.ts";
import type { DatasetFormat } from "../format/format.ts";
import { datasetStats } from "../stats/dataset-stats.ts";
import { countChatTokens, type Encoding } from "../stats/tokenizer.ts";
import { extraKeys, fileFormat, lineFormat } from "./detect-format.ts";
import { IssueSink } from "./issue.ts";
import type { ValidationReport } from "./report.ts";
import { validateLine } from "./validate-line.ts";

export interface ValidateOptions {
  /** Shown in the report and in errors. */
  fileName: string;
  encoding?: Encoding;
  /** Tokens per example before OpenAI truncates; 16,385 as in OpenAI's guide unless the model says otherwise. */
  contextLimit?: number;
  /** Fewer examples than this is a warning (OpenAI refuses to start a job under 10). */
  minExamples?: number;
}

export interface ValidatedFile {
  format: DatasetFormat;
  examples: DatasetExample[];
  report: ValidationReport;
}

export const DEFAULT_CONTEXT_LIMIT = 16_385;
export const MIN_TRAINING_EXAMPLES = 10;

interface ParsedLine {
  line: number;
  value: Record<string, unknown>;
}

/** Validates a whole JSONL file the way OpenAI's data-preparation checks do, line numbers in every finding. */
export function validateJsonl(text: string, options: ValidateOptions): ValidatedFile {
  const encoding = options.encoding ?? "o200k_base";
  const contextLimit = options.contextLimit ?? DEFAULT_CONTEXT_LIMIT;
  const sink = new IssueSink();
  const parsed = parseLines(text, sink);
  const format = fileFormat(parsed.map((p) => lineFormat(p.value)));

  const examples: DatasetExample[] = [];
  const firstLineOfHash = new Map<string, number>();
  for (const { line, value } of parsed) {
    const own = lineFormat(value);
    if (own !== format) {
      reportMixed(value, own, format, line, sink);
      continue;
    }
    const facts = validateLine(value, format, line, sink);
    if (!facts) continue;
    const canonical = canonicalJson(value);
    const hash = sha256(canonical);
    const input = exampleInput(value, format);
    const messages = allMessages(value, format);
    const tokens = countChatTokens(messages, input.tools, encoding);
    const exampleCounts = { messages: messages.length, tokens: tokens.total, assistantTokens: tokens.assistant, images: facts.images };
    if (tokens.total > contextLimit) {
      sink.warning(
        "over_context_limit",
        `example has ${tokens.total.toLocaleString("en-US")} tokens, over the ${contextLimit.toLocaleString("en-US")}-token context; it will be truncated in training`,
        { line },
      );
    }
    const earlier = firstLineOfHash.get(hash);
    if (earlier !== undefined) {
      sink.warning("duplicate_example", `example duplicates line ${earlier}`, { line, lines: [earlier] });
    } else {
      firstLineOfHash.set(hash, line);
    }
    examples.push({ line, value, canonical, hash, inputHash: sha256(canonicalJson(input)), counts: exampleCounts });
  }

  const minExamples = options.minExamples ?? MIN_TRAINING_EXAMPLES;
  if (parsed.length > 0 && examples.length < minExamples) {
    sink.warning(
      "too_few_examples",
      `${examples.length} valid example${examples.length === 1 ? "" : "s"}; a fine-tuning job needs at least ${minExamples} (50-100 is a better start)`,
    );
  }
  if (parsed.length === 0 && sink.errorCount === 0) sink.error("empty_file", "the file has no examples");

  const issues = sink.issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const errors = issues.filter((i) => i.severity === "error").length;
  return {
    format,
    examples,
    report: {
      file: options.fileName,
      format,
      lines: countLines(text),
      examples: examples.length,
      errors,
      warnings: issues.length - errors,
      issues,
      stats: datasetStats(
        examples.map((e) => e.counts),
        encoding,
        contextLimit,
      ),
    },
  };
}

function parseLines(text: string, sink: IssueSink): ParsedLine[] {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const rows = body.split("\n");
  if (rows[rows.length - 1] === "") rows.pop();
  const parsed: ParsedLine[] = [];
  rows.forEach((raw, index) => {
    const line = index + 1;
    const row = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (row.trim() === "") {
      sink.error("empty_line", "empty line; JSONL needs one JSON object on every line", { line });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch (error) {
      sink.error("invalid_json", `invalid JSON: ${(error as Error).message}`, { line });
      return;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      sink.error(
        "data_type",
        `line must be a JSON object, got ${Array.isArray(value) ? "a list" : value === null ? "null" : typeof value}`,
        { line },
      );
      return;
    }
    parsed.push({ line, value: value as Record<string, unknown> });
  });
  return parsed;
}

/** Every message of an example (for DPO: the input and the preferred output). */
function allMessages(value: Record<string, unknown>, format: DatasetFormat): ChatMessage[] {
  if (format !== "preference") return (value.messages ?? []) as ChatMessage[];
  const input = value.input as { messages: ChatMessage[] };
  return [...input.messages, ...(value.preferred_output as ChatMessage[])];
}

function reportMixed(value: Record<string, unknown>, own: DatasetFormat, format: DatasetFormat, line: number, sink: IssueSink): void {
  const extra = extraKeys(value);
  const detail =
    format === "supervised" && own === "reinforcement"
      ? `has top-level key(s) ${extra.map((k) => `"${k}"`).join(", ")}; supervised lines allow only messages, tools, parallel_tool_calls, functions`
      : `looks like a ${own} line`;
  sink.error("mixed_formats", `line ${detail}, but the file is ${format} (most of its lines are); one file holds one format`, { line });
}

function countLines(text: string): number {
  if (text === "") return 0;
  const n = text.split("\n").length;
  return text.endsWith("\n") ? n - 1 : n;
}
