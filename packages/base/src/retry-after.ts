/** Response headers as `fetch` gives them, or as a plain record (the `openai` SDK's errors carry either). */
export type HeaderSource = Headers | Record<string, string | undefined> | undefined;

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  return headers[name] ?? undefined;
}

/**
 * Milliseconds a response asks the client to wait: `retry-after-ms` (OpenAI), else `retry-after` in seconds or as
 * an HTTP date (RFC 9110 §10.2.3). `undefined` when neither header is present or parses. The one reading of
 * Retry-After: the eval runner, the hosted trainers and Hub downloads all use it.
 */
export function retryAfterMs(headers: HeaderSource, now: number = Date.now()): number | undefined {
  const milliseconds = Number.parseFloat(header(headers, "retry-after-ms") ?? "");
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = header(headers, "retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number.parseFloat(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
