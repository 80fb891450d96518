import { ApiError } from "../api/client.ts";

/** An API refusal split by the form field it names, so each message can stand next to its input. */
export interface FieldErrors {
  /** Field key (`dataset`, `hyperparameters.n_epochs`, ...) → the server's message. */
  fields: Record<string, string>;
  /** What names no field of the form (or every message, when the error is not the API's). */
  general: string[];
}

/** The field a path names: itself, or the longest field it lies inside (`hyperparameters.lora_target_modules.0`). */
function fieldOf(path: string, fields: ReadonlyArray<string>): string | undefined {
  let best: string | undefined;
  for (const field of fields) {
    if ((path === field || path.startsWith(`${field}.`)) && field.length > (best?.length ?? 0)) best = field;
  }
  return best;
}

/**
 * Reads the API's error the way the API writes it: request validation answers 400 with `details: [{path, message}]`
 * (zod issues, path joined with "." or as a list), core's checks write `FIELD: message` or `details.field`. `hints`
 * name the field of messages that carry none (`[pattern, field]`, first match wins).
 */
export function fieldErrors(
  error: unknown,
  fields: ReadonlyArray<string>,
  hints: ReadonlyArray<readonly [RegExp, string]> = [],
): FieldErrors {
  const out: FieldErrors = { fields: {}, general: [] };
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof ApiError)) {
    out.general.push(message);
    return out;
  }
  const put = (field: string | undefined, text: string): boolean => {
    if (!field) return false;
    out.fields[field] ??= text;
    return true;
  };
  const details = error.details;
  if (Array.isArray(details) && details.length > 0) {
    for (const issue of details as Array<{ path?: unknown; message?: unknown }>) {
      const path = Array.isArray(issue.path) ? issue.path.join(".") : String(issue.path ?? "");
      const text = String(issue.message ?? message);
      if (!put(fieldOf(path, fields), text)) out.general.push(path ? `${path}: ${text}` : text);
    }
    return out;
  }
  const prefixed = /^([\w.[\]-]+): ([\s\S]*)$/.exec(message);
  if (prefixed && put(fieldOf(prefixed[1] ?? "", fields), prefixed[2] ?? message)) return out;
  const named = (details as { field?: unknown } | null)?.field;
  if (typeof named === "string" && put(fieldOf(named, fields), message)) return out;
  const hinted = hints.find(([pattern]) => pattern.test(message));
  if (hinted && put(hinted[1], message)) return out;
  out.general.push(message);
  return out;
}
