import { abortableDelay, type HeaderSource, retryAfterMs, TunelabError } from "@tunelab/base";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * How long one call to a provider's training API may take, answer and body, before it counts as not answered (like a
 * connection failure: transient, so polling and uploads/creations retry it): 60 s. Without it a hung call ends only when
 * Node gives up on the headers (300 s) or never, when a body stops half-way.
 */
export const PROVIDER_REQUEST_TIMEOUT_MS = 60_000;
/** The same for a file upload (a multipart body of up to hundreds of MB): 10 minutes. */
export const PROVIDER_UPLOAD_TIMEOUT_MS = 600_000;

export interface ProviderHttpOptions {
  /** The provider's name in tunelab.config.json, for error messages. */
  provider: string;
  baseURL: string;
  headers: Record<string, string>;
  /** Query parameters every request carries (Azure's `api-version`). */
  query?: Record<string, string>;
  fetch?: FetchLike;
  /** How many 429s in a row one call waits out (Retry-After) before it fails (default 5). */
  rateLimitWaits?: number;
  /** Longest Retry-After honoured, seconds (default 120): a longer one fails the call instead of hanging it. */
  maxRetryAfterSeconds?: number;
  /** Per-call time limit, ms (default PROVIDER_REQUEST_TIMEOUT_MS; uploads PROVIDER_UPLOAD_TIMEOUT_MS). */
  timeoutMs?: number;
}

export interface CallOptions {
  query?: Record<string, string | number | undefined>;
  /** A JSON body, or FormData for multipart uploads. */
  body?: unknown;
  signal?: AbortSignal;
}

/**
 * The HTTP client of the trainer adapters whose job APIs the `openai` SDK does not speak. A 429 is waited out as its
 * Retry-After says (bounded), then retried; a call that takes longer than its time limit (PROVIDER_REQUEST_TIMEOUT_MS)
 * fails as one that did not answer; any other failure is one TunelabError whose details carry the HTTP `status`
 * (none when there was no answer), so job polling can tell a transient failure from a permanent one.
 */
export class ProviderHttp {
  constructor(private readonly options: ProviderHttpOptions) {}

  async json<T>(method: "GET" | "POST" | "DELETE" | "PATCH", path: string, call: CallOptions = {}): Promise<T> {
    const url = new URL(this.options.baseURL.replace(/\/$/, "") + path);
    for (const [k, v] of Object.entries({ ...this.options.query, ...call.query })) if (v !== undefined) url.searchParams.set(k, String(v));
    const isForm = call.body instanceof FormData;
    const headers: Record<string, string> = { ...this.options.headers, accept: "application/json" };
    if (call.body !== undefined && !isForm) headers["content-type"] = "application/json";
    const doFetch = this.options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
    const waits = this.options.rateLimitWaits ?? 5;
    const limitMs = this.options.timeoutMs ?? (isForm ? PROVIDER_UPLOAD_TIMEOUT_MS : PROVIDER_REQUEST_TIMEOUT_MS);
    const noAnswer = (error: unknown, timedOut: boolean) =>
      new TunelabError(
        "io_error",
        timedOut
          ? `provider ${this.options.provider}: ${method} ${path} did not answer within ${limitMs / 1000} s`
          : `provider ${this.options.provider}: ${method} ${path} did not answer: ${(error as Error).message}`,
        { cause: error, details: { provider: this.options.provider, status: undefined } },
      );
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(limitMs);
      const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
      let response: Response;
      let text: string;
      try {
        response = await doFetch(url.toString(), {
          method,
          headers,
          ...(call.body === undefined ? {} : { body: isForm ? (call.body as FormData) : JSON.stringify(call.body) }),
          signal,
        });
        if (response.status === 429 && attempt < waits) {
          const seconds = retryAfterSeconds(response.headers);
          await response.body?.cancel();
          if (seconds <= (this.options.maxRetryAfterSeconds ?? 120)) {
            await abortableDelay(seconds * 1000, call.signal);
            continue;
          }
        }
        // the body too: a host that sends headers and then stalls is as hung as one that never answers
        text = await response.text();
      } catch (error) {
        if (call.signal?.aborted) throw error;
        throw noAnswer(error, timeout.aborted);
      }
      if (!response.ok) throw httpError(this.options.provider, method, path, response.status, text);
      try {
        return (text ? JSON.parse(text) : null) as T;
      } catch {
        // a proxy's HTML page or a cut-off body: said as the provider's, and transient (polling retries it)
        throw new TunelabError(
          "io_error",
          `provider ${this.options.provider}: ${method} ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
          { details: { provider: this.options.provider, status: undefined } },
        );
      }
    }
  }
}

/** A failed provider call: the code by status, the provider's own message, the status in details. */
export function httpError(provider: string, method: string, path: string, status: number, text: string): TunelabError {
  let message = text.slice(0, 500);
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    message = (typeof body.error === "string" ? body.error : body.error?.message) ?? body.message ?? message;
  } catch {
    // not JSON: keep the text
  }
  const code =
    status === 404 ? "not_found" : status === 409 ? "conflict" : status >= 500 || status === 429 ? "io_error" : "invalid_argument";
  return new TunelabError(code, `provider ${provider}: ${method} ${path} answered ${status}: ${message}`, {
    details: { provider, status },
  });
}

/** The HTTP status a provider call failed with (SDK errors carry `status`, ours carry it in details). */
export function statusOf(error: unknown): number | undefined {
  const direct = (error as { status?: unknown })?.status;
  if (typeof direct === "number") return direct;
  const details = (error as { details?: { status?: unknown } })?.details;
  return typeof details?.status === "number" ? details.status : undefined;
}

/** Retry-After as seconds (delta-seconds or an HTTP date; absent or unreadable means 1 s). */
function retryAfterSeconds(headers: HeaderSource): number {
  return (retryAfterMs(headers) ?? 1000) / 1000;
}

/**
 * Runs an SDK call, waiting out 429s as their Retry-After says (bounded, like ProviderHttp): the `openai` client is
 * built with `maxRetries: 0`, so a rate-limited job creation would otherwise fail the experiment.
 */
export async function honouringRetryAfter<T>(call: () => Promise<T>, signal?: AbortSignal, waits = 5, maxSeconds = 120): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (statusOf(error) !== 429 || attempt >= waits || signal?.aborted) throw error;
      const seconds = retryAfterSeconds((error as { headers?: HeaderSource }).headers);
      if (seconds > maxSeconds) throw error;
      await abortableDelay(seconds * 1000, signal);
    }
  }
}
