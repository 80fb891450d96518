import { abortableDelay, backoffDelay, TunelabError } from "@tunelab/base";
import { APIConnectionError } from "openai";
import { statusOf } from "./http.ts";

/**
 * How often an upload or a job creation is tried when it fails transiently (a 5xx, a 408, a timeout, no answer or a
 * reset connection): 4 times, waiting up to 1, 2 and 4 s between (exponential backoff with full jitter), as OpenAI's
 * error guide (https://platform.openai.com/docs/guides/error-codes: "retry your request after a brief wait") and
 * Together's and Fireworks' advise for 5xx and connection errors. 429s are waited out before this, as Retry-After says.
 */
export const TRANSIENT_TRIES = 4;
export const TRANSIENT_BASE_DELAY_MS = 1000;

/** A failure worth trying again: a 5xx or 408, or no answer at all (the SDK's connection error, ProviderHttp's io_error). */
export function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return status >= 500 || status === 408;
  if (error instanceof APIConnectionError) return true;
  return error instanceof TunelabError && error.code === "io_error" && (error.details as { provider?: unknown })?.provider !== undefined;
}

/** What `alreadyDone` says when it cannot look (a host that cannot list jobs): a further try could do the call twice. */
export const CANNOT_TELL: unique symbol = Symbol("cannot tell");

export interface TransientRetry<T> {
  /** The provider's name in tunelab.config.json and the call (`POST /fine-tunes`), for the final error. */
  provider: string;
  call: string;
  signal: AbortSignal;
  /**
   * Asked before each further try: what an earlier try already did (the job it created before its answer was lost),
   * so a call that is not idempotent is not done twice. Undefined means nothing was done: try again; CANNOT_TELL
   * means it cannot be known, and the call is not tried again.
   */
  alreadyDone?: () => Promise<T | undefined | typeof CANNOT_TELL>;
  baseDelayMs?: number;
}

/**
 * Runs a provider call, trying it again on a transient failure (TRANSIENT_TRIES in all, with backoff). The last
 * failure names the provider, the call and how often it was tried; a permanent failure (4xx) is thrown as it is.
 */
export async function retryTransient<T>(run: () => Promise<T>, options: TransientRetry<T>): Promise<T> {
  const { signal } = options;
  let last: unknown;
  let tries = 0;
  for (let attempt = 1; attempt <= TRANSIENT_TRIES; attempt++) {
    if (attempt > 1) {
      const policy = { baseDelayMs: options.baseDelayMs ?? TRANSIENT_BASE_DELAY_MS, maxDelayMs: 30_000 };
      await abortableDelay(backoffDelay(attempt - 1, policy), signal);
      let done: T | undefined | typeof CANNOT_TELL;
      try {
        done = await options.alreadyDone?.();
      } catch (error) {
        if (signal.aborted || !isTransient(error)) throw error;
        last = error;
        continue;
      }
      if (done === CANNOT_TELL)
        throw finalError(last, options, tries, "; not tried again: this host cannot list jobs, so a second try could create a second job");
      if (done !== undefined) return done;
    }
    try {
      tries++;
      return await run();
    } catch (error) {
      if (signal.aborted || !isTransient(error)) throw error;
      last = error;
    }
  }
  throw finalError(last, options, tries, "");
}

function finalError(error: unknown, options: TransientRetry<unknown>, tries: number, note: string): TunelabError {
  const message = error instanceof Error ? error.message : String(error);
  const said = message.startsWith(`provider ${options.provider}: `)
    ? message
    : `provider ${options.provider}: ${options.call} failed: ${message}`;
  return new TunelabError("io_error", `${said} (tried ${tries} time${tries === 1 ? "" : "s"}${note})`, {
    cause: error,
    details: { provider: options.provider, status: statusOf(error) },
  });
}
