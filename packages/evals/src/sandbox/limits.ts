/** Bytes a grader may write to stdout or stderr during one grade; past it the grade is errored. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1 << 20;
/** Address space of a python grader's process (and every process it starts), in MB. */
export const DEFAULT_PYTHON_MEMORY_MB = 1024;
/** JavaScript heap of a custom grader's worker thread, in MB. */
export const DEFAULT_CUSTOM_MEMORY_MB = 512;

/** "1 MB", "512 KB": for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20 && bytes % (1 << 20) === 0) return `${bytes / (1 << 20)} MB`;
  if (bytes >= 1 << 10 && bytes % (1 << 10) === 0) return `${bytes / (1 << 10)} KB`;
  return `${bytes} bytes`;
}

/** Longest grader-written text (a reason, an error message) kept; it is stored with every sample. */
export const MAX_GRADER_TEXT_CHARS = 16_384;

/** `text` cut to `MAX_GRADER_TEXT_CHARS`, marked when cut. */
export function clipGraderText(text: string, max = MAX_GRADER_TEXT_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}… (truncated)` : text;
}
