import { sha256 } from "@tunelab/base";
import { canonicalJson } from "../canonical.ts";
import { type DatasetExample, exampleInput } from "../example.ts";
import { type ChatMessage, SFT_KEYS } from "../format/chat.schema.ts";
import type { DatasetFormat } from "../format/format.ts";
import { StatsCollector } from "../stats/stats-collector.ts";
import { countChatTokens } from "../stats/tokenizer.ts";
import { extraKeys, lineFormat } from "./detect-format.ts";
import { IMAGE_LIMITS } from "./image-rules.ts";
import { IssueSink, MAX_ISSUES_PER_CODE } from "./issue.ts";
import { parseLine } from "./parse-line.ts";
import type { ValidationReport } from "./report.ts";
import { validateLine } from "./validate-line.ts";
import { DEFAULT_CONTEXT_LIMIT, MIN_TRAINING_EXAMPLES, type ValidateOptions } from "./validate-options.ts";

/** Called with each valid example as its line is validated (before the file's format is settled: see `finish`). */
export type ExampleHandler = (example: DatasetExample, format: DatasetFormat) => void;

/** The lines of one format: each line is validated as what it looks like; the file's format is decided at the end. */
interface Partition {
  sink: IssueSink;
  stats: StatsCollector;
  lines: number;
  /** The first lines, for mixed_formats errors should another format be the file's. */
  firstLines: Array<{ line: number; extraKeys: string[] }>;
}

/** Characters of an example's sha256 (80 bits) that identify it for duplicate detection: a collision needs ~10^12 examples. */
const DUPLICATE_KEY_CHARS = 20;

/**
 * Validates a JSONL file line by line as OpenAI's data-preparation checks do, in time and memory linear in the file:
 * every finding is counted in O(1) (the first instances of each code are kept), statistics are columns of numbers,
 * and each valid example goes to `onExample` as soon as its line is read, so the caller decides what to keep. A file
 * mixes formats only when it has errors, so a caller that writes examples discards them whenever `finish` reports
 * any error.
 */
export class JsonlValidator {
  private lineCount = 0;
  private parsedLines = 0;
  private examplesWithImages = 0;
  private firstFormat: DatasetFormat | undefined;
  private readonly fileIssues = new IssueSink();
  private readonly partitions = new Map<DatasetFormat, Partition>();
  private readonly firstLineOfExample = new Map<string, number>();
  private readonly encoding;
  private readonly contextLimit;

  constructor(
    private readonly options: ValidateOptions,
    private readonly onExample?: ExampleHandler,
  ) {
    this.encoding = options.encoding ?? "o200k_base";
    this.contextLimit = options.contextLimit ?? DEFAULT_CONTEXT_LIMIT;
  }

  /** One line of the file (bytes as read, or text), without its "\n". */
  push(raw: Uint8Array | string): void {
    const line = ++this.lineCount;
    const value = parseLine(raw, line, this.fileIssues);
    if (!value) return;
    this.parsedLines++;
    const format = lineFormat(value);
    this.firstFormat ??= format;
    const part = this.partition(format);
    part.lines++;
    const extra = extraKeys(value);
    if (part.firstLines.length < MAX_ISSUES_PER_CODE) part.firstLines.push({ line, extraKeys: extra });
    if (format === "supervised" && extra.length > 0 && !this.options.itemFields) warnIgnoredKeys(extra, line, part.sink);
    const facts = validateLine(value, format, line, part.sink);
    if (!facts) return;
    if (facts.images > 0) this.examplesWithImages++;

    const canonical = canonicalJson(value);
    const hash = sha256(canonical);
    const input = exampleInput(value, format);
    const messages = allMessages(value, format);
    const tokens = countChatTokens(messages, input.tools, this.encoding);
    const counts = { messages: messages.length, tokens: tokens.total, assistantTokens: tokens.assistant, images: facts.images };
    if (tokens.total > this.contextLimit) {
      part.sink.warning(
        "over_context_limit",
        `example has ${tokens.total.toLocaleString("en-US")} tokens, over the ${this.contextLimit.toLocaleString("en-US")}-token context; it will be truncated in training`,
        { line },
      );
    }
    const key = hash.slice(0, DUPLICATE_KEY_CHARS);
    const earlier = this.firstLineOfExample.get(key);
    if (earlier !== undefined) {
      part.sink.warning("duplicate_example", `example duplicates line ${earlier}`, { line, lines: [earlier] });
    } else {
      this.firstLineOfExample.set(key, line);
    }
    part.stats.add(counts);
    this.onExample?.({ line, value, canonical, hash, inputHash: sha256(canonicalJson(input)), counts }, format);
  }

  /** The file's format (what most lines look like; ties go to the first line's) and the report. */
  finish(): { format: DatasetFormat; report: ValidationReport } {
    const format = this.fileFormat();
    const sink = new IssueSink();
    sink.absorb(this.fileIssues);
    const chosen = this.partitions.get(format);
    if (chosen) sink.absorb(chosen.sink);
    for (const [own, part] of this.partitions) if (own !== format) reportMixed(part, own, format, sink);

    const examples = chosen?.stats.count ?? 0;
    const minExamples = this.options.minExamples ?? MIN_TRAINING_EXAMPLES;
    if (this.parsedLines > 0 && examples < minExamples) {
      sink.warning(
        "too_few_examples",
        `${examples} valid example${examples === 1 ? "" : "s"}; a fine-tuning job needs at least ${minExamples} (50-100 is a better start)`,
      );
    }
    if (this.parsedLines === 0 && sink.errorCount === 0) sink.error("empty_file", "the file has no examples");
    if (this.examplesWithImages > IMAGE_LIMITS.examplesPerFile) {
      sink.error(
        "too_many_images",
        `the file has ${this.examplesWithImages.toLocaleString("en-US")} examples with images; the limit is ${IMAGE_LIMITS.examplesPerFile.toLocaleString("en-US")} per file (text-only examples are not counted)`,
      );
    }
    const stats = (chosen?.stats ?? new StatsCollector()).stats(this.encoding, this.contextLimit);
    return {
      format,
      report: {
        file: this.options.fileName,
        format,
        lines: this.lineCount,
        examples,
        errors: sink.errorCount,
        warnings: sink.warningCount,
        issues: sink.sorted(),
        issueCounts: sink.countsByCode(),
        stats,
      },
    };
  }

  private partition(format: DatasetFormat): Partition {
    let part = this.partitions.get(format);
    if (!part) {
      part = { sink: new IssueSink(), stats: new StatsCollector(), lines: 0, firstLines: [] };
      this.partitions.set(format, part);
    }
    return part;
  }

  private fileFormat(): DatasetFormat {
    let best: DatasetFormat = this.firstFormat ?? "supervised";
    for (const [format, part] of this.partitions) {
      if (part.lines > (this.partitions.get(best)?.lines ?? 0)) best = format;
    }
    return best;
  }
}

/** Every message of an example (for DPO: the input and the preferred output). */
function allMessages(value: Record<string, unknown>, format: DatasetFormat): ChatMessage[] {
  if (format !== "preference") return (value.messages ?? []) as ChatMessage[];
  const input = value.input as { messages: ChatMessage[] };
  return [...input.messages, ...(value.preferred_output as ChatMessage[])];
}

/** A supervised line's extra top-level keys: training ignores them (an RFT line's would be its reference fields). */
function warnIgnoredKeys(keys: ReadonlyArray<string>, line: number, sink: IssueSink): void {
  sink.warning(
    "unrecognized_key",
    `top-level key${keys.length === 1 ? "" : "s"} ${keys.map((k) => `"${k}"`).join(", ")} ignored: a supervised line (its messages end with an assistant message) has ${SFT_KEYS.join(", ")}; extra keys are reference fields only in reinforcement data, whose messages end before the answer`,
    { line, path: keys[0] ?? "" },
  );
}

/** One mixed_formats error per line of a format that is not the file's (the first ones listed, all counted). */
function reportMixed(part: Partition, own: DatasetFormat, format: DatasetFormat, sink: IssueSink): void {
  part.firstLines.forEach(({ line, extraKeys }, i) => {
    const detail =
      format === "supervised" && own === "reinforcement"
        ? `has top-level key(s) ${extraKeys.map((k) => `"${k}"`).join(", ")} and its messages do not end with an assistant message (a reinforcement line)`
        : `looks like a ${own} line`;
    const unlisted = i === part.firstLines.length - 1 ? part.lines - part.firstLines.length : 0;
    sink.add(
      {
        severity: "error",
        code: "mixed_formats",
        line,
        message: `line ${detail}, but the file is ${format} (most of its lines are); one file holds one format`,
      },
      1 + unlisted,
    );
  });
}
