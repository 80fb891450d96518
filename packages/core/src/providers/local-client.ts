import type { LocalAnswer } from "@tunelab/contracts";
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from "openai";
import type { ChatCompletion, ChatCompletionCreateParams } from "openai/resources/chat/completions";

/** The embedded engine's fetch (its Hono app, in-process), given by the app that created the engine. */
export type LocalFetch = (request: Request) => Response | Promise<Response>;
/** The embedded engine's in-process chat completion (`LocalEngine.chatCompletion`): no Request or Response at all. */
export type LocalChat = (body: object) => Promise<LocalAnswer>;

export const LOCAL_BASE_URL = "http://tunelab.local/v1";
const CHAT_COMPLETIONS_URL = `${LOCAL_BASE_URL}/chat/completions`;
const JSON_HEADERS = { "content-type": "application/json", accept: "application/json" };

/**
 * The `local` provider's client: an `openai` client whose `fetch` is the embedded engine's (no port), except for
 * non-streaming chat completions (what eval runs and model graders send, once per item), which go to the engine
 * directly: to its in-process `chatCompletion` when given (the body as an object, the answer as one), else as one
 * `Request` with the JSON body, the engine's answer parsed as JSON. The SDK's per-request machinery
 * (options merged, headers and URL built, a `Request` cloned from them, its parse and retry wrappers) was most of the
 * main thread's time in a 10,000-item eval run whose model answers at once. Failures are the SDK's own error classes
 * (`APIError.generate` for an HTTP status, `APIConnectionError`, `APIUserAbortError`), so callers classify them as
 * they do a remote provider's. Streaming requests and every other endpoint go through the SDK as before.
 */
export function localClient(localFetch: LocalFetch, localChat?: LocalChat): OpenAI {
  const client = new OpenAI({
    apiKey: "local",
    baseURL: LOCAL_BASE_URL,
    maxRetries: 0,
    fetch: async (input, init) => localFetch(new Request(input, init)),
  });
  const completions = client.chat.completions;
  const throughSdk = completions.create.bind(completions);
  const create = (body: ChatCompletionCreateParams, options?: { signal?: AbortSignal | null | undefined }) =>
    body.stream
      ? throughSdk(body, options)
      : localChat
        ? directChatCompletion(localChat, body, options?.signal ?? undefined)
        : localChatCompletion(localFetch, body, options?.signal ?? undefined);
  // A plain promise of the completion (what every caller awaits); the SDK's `withResponse()` is not offered here.
  completions.create = create as unknown as typeof completions.create;
  return client;
}

/**
 * One non-streaming chat completion answered by the engine's fetch, with the SDK's errors on failure. The request
 * carries no signal (undici derives a signal of its own for each such request, which cost more CPU than the rest of
 * the request together); an abort settles the call at once with `APIUserAbortError`, and the engine's answer, when it
 * comes, is dropped.
 */
export async function localChatCompletion(localFetch: LocalFetch, body: object, signal?: AbortSignal): Promise<ChatCompletion> {
  if (signal?.aborted) throw new APIUserAbortError();
  const request = new Request(CHAT_COMPLETIONS_URL, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify(body) });
  const answered = answer(localFetch, request);
  const { response, text } = signal ? await untilAborted(answered, signal) : await answered;
  if (!response.ok) {
    // as the SDK makes a status error: the parsed body (its `error` becomes the error's), else the text as message
    let parsed: object | undefined;
    try {
      parsed = JSON.parse(text) as object;
    } catch {
      parsed = undefined;
    }
    throw APIError.generate(response.status, parsed, parsed ? undefined : text, response.headers);
  }
  return JSON.parse(text) as ChatCompletion;
}

/**
 * One non-streaming chat completion answered by the engine's in-process `chatCompletion`, with the SDK's errors on
 * failure (as `localChatCompletion`). The body's top-level undefined fields are left out, as JSON would leave them.
 */
export async function directChatCompletion(localChat: LocalChat, body: object, signal?: AbortSignal): Promise<ChatCompletion> {
  if (signal?.aborted) throw new APIUserAbortError();
  const answered = askEngine(localChat, withoutUndefined(body));
  const answer = signal ? await untilAborted(answered, signal) : await answered;
  if (answer.status !== 200) {
    const errorBody = typeof answer.body === "object" && answer.body !== null ? answer.body : undefined;
    throw APIError.generate(answer.status, errorBody, errorBody ? undefined : String(answer.body), new Headers());
  }
  if (typeof answer.body !== "object" || answer.body === null) throw new SyntaxError("the engine's chat completion is not a JSON object");
  return answer.body as ChatCompletion;
}

function withoutUndefined(body: object): object {
  const record = body as Record<string, unknown>;
  for (const key in record) {
    if (record[key] === undefined) return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
  }
  return body;
}

async function askEngine(localChat: LocalChat, body: object): Promise<LocalAnswer> {
  try {
    return await localChat(body);
  } catch (error) {
    throw new APIConnectionError({ cause: error instanceof Error ? error : new Error(String(error)) });
  }
}

async function answer(localFetch: LocalFetch, request: Request): Promise<{ response: Response; text: string }> {
  try {
    const response = await localFetch(request);
    return { response, text: await response.text() };
  } catch (error) {
    throw new APIConnectionError({ cause: error instanceof Error ? error : new Error(String(error)) });
  }
}

/** Per signal, the calls waiting on it: each signal gets one abort listener, however many requests share it. */
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * `promise`, or `APIUserAbortError` as soon as `signal` aborts. An eval run's requests share a few signals (one per
 * deadline window), so the signal gets one listener, added the first time it is seen, that rejects every call still
 * waiting on it: a listener added and removed for each request was ~30 ms of the main thread per 10,000 requests.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {}); // its answer, when it comes, is dropped
    return Promise.reject(new APIUserAbortError());
  }
  let calls = waiting.get(signal);
  if (!calls) {
    const pending = new Set<() => void>();
    waiting.set(signal, pending);
    signal.addEventListener(
      "abort",
      () => {
        for (const abort of pending) abort();
        pending.clear();
      },
      { once: true },
    );
    calls = pending;
  }
  const pending = calls;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(new APIUserAbortError());
    pending.add(abort);
    promise.then(
      (value) => {
        pending.delete(abort);
        resolve(value);
      },
      (error: unknown) => {
        pending.delete(abort);
        reject(error);
      },
    );
  });
}
