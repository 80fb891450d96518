import { SFT_KEYS } from "../format/chat.schema.ts";
import { DPO_KEYS } from "../format/dpo.schema.ts";
import type { DatasetFormat } from "../format/format.ts";

const SFT = new Set<string>(SFT_KEYS);

/**
 * What one JSON object line looks like on its own. As OpenAI defines them: a reinforcement (RFT) line has extra
 * top-level keys (the grader's reference fields) and messages that stop before the answer (they do not end with an
 * assistant message); a line whose messages end with an assistant message is supervised data, whatever other keys
 * it carries (those are ignored, with a warning).
 */
export function lineFormat(value: Record<string, unknown>): DatasetFormat {
  if (DPO_KEYS.some((k) => k !== "input" && k in value) || ("input" in value && !("messages" in value))) {
    return "preference";
  }
  const messages = value.messages;
  return Array.isArray(messages) && extraKeys(value).length > 0 && !endsWithAssistant(messages) ? "reinforcement" : "supervised";
}

/** The file's format: what most lines look like (ties go to the first line's format). */
export function fileFormat(formats: ReadonlyArray<DatasetFormat>): DatasetFormat {
  const counts = new Map<DatasetFormat, number>();
  for (const f of formats) counts.set(f, (counts.get(f) ?? 0) + 1);
  let best: DatasetFormat = formats[0] ?? "supervised";
  for (const [format, count] of counts) {
    if (count > (counts.get(best) ?? 0)) best = format;
  }
  return best;
}

/** Top-level keys that are not part of a supervised chat line (an RFT line's reference fields, or stray metadata). */
export function extraKeys(value: Record<string, unknown>): string[] {
  return Object.keys(value).filter((k) => !SFT.has(k));
}

function endsWithAssistant(messages: ReadonlyArray<unknown>): boolean {
  const last = messages[messages.length - 1];
  return typeof last === "object" && last !== null && (last as { role?: unknown }).role === "assistant";
}
