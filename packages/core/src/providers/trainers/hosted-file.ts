import { DPO_KEYS, SFT_KEYS } from "@tunelab/formats";

/** The keys of a preference line's `input` that OpenAI's preference format documents. */
const DPO_INPUT_KEYS = ["messages", "tools", "parallel_tool_calls"] as const;

/**
 * A training file as hosted providers take it: each line with only the keys of OpenAI's documented training formats.
 * A dataset version keeps every key a line had (`metadata`, `tags`, …: tunelab ignores them in training), but OpenAI
 * validates supervised lines as `{messages, tools, parallel_tool_calls, functions}` and fails the job on any other key
 * ("Invalid file format. Example N contains an extra …"; arbitrary keys are documented for reinforcement data only),
 * and Together refuses a line that looks like two formats at once (`messages` beside `text` or `prompt`). A line that
 * has no other key is sent byte for byte; a line that is not a JSON object is left for the provider to report.
 * https://platform.openai.com/docs/api-reference/fine-tuning/chat-input ,
 * https://platform.openai.com/docs/api-reference/fine-tuning/reinforcement-input ,
 * https://docs.together.ai/docs/fine-tuning-data-preparation
 */
export function hostedTrainingFile(content: Buffer): Buffer {
  const text = content.toString("utf8");
  let changed = false;
  const lines = text.split("\n").map((line) => {
    const trimmed = line.replace(/\r$/, "");
    const kept = documentedKeysOnly(trimmed);
    if (kept === undefined) return line;
    changed = true;
    return kept;
  });
  return changed ? Buffer.from(lines.join("\n")) : content;
}

/** The line with only its documented keys, or undefined when it has no other key (or is not a JSON object). */
function documentedKeysOnly(line: string): string | undefined {
  if (!line.trim().startsWith("{")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  if (Array.isArray(value.messages)) {
    const picked = pick(value, SFT_KEYS);
    return picked ? JSON.stringify(picked) : undefined;
  }
  if ("preferred_output" in value || "non_preferred_output" in value) {
    const input = isObject(value.input) ? pick(value.input, DPO_INPUT_KEYS) : undefined;
    const line = pick(value, DPO_KEYS) ?? (input ? { ...value } : undefined);
    if (!line) return undefined;
    if (input) line.input = input;
    return JSON.stringify(line);
  }
  return undefined;
}

/** The object with only `keys` (in its own order), or undefined when it has no other key. */
function pick(value: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> | undefined {
  const entries = Object.entries(value);
  const kept = entries.filter(([key]) => keys.includes(key));
  return kept.length === entries.length ? undefined : Object.fromEntries(kept);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
