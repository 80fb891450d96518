import { SFT_KEYS } from "../format/chat.schema.ts";
import { DPO_KEYS } from "../format/dpo.schema.ts";
import type { DatasetFormat } from "../format/format.ts";

const SFT = new Set<string>(SFT_KEYS);

/** What one JSON object line looks like on its own. */
export function lineFormat(value: Record<string, unknown>): DatasetFormat {
  const keys = Object.keys(value);
  if (DPO_KEYS.some((k) => k !== "input" && k in value) || ("input" in value && !("messages" in value))) {
    return "preference";
  }
  return keys.some((k) => !SFT.has(k)) && "messages" in value ? "reinforcement" : "supervised";
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

export function extraKeys(value: Record<string, unknown>): string[] {
  return Object.keys(value).filter((k) => !SFT.has(k));
}
