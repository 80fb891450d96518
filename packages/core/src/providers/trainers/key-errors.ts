import { TunelabError } from "@tunelab/base";
import { CONFIG_FILE } from "../provider-config.ts";
import { statusOf } from "./http.ts";
import type { Trainer } from "./trainer.ts";

/** Where a provider's API key comes from, said the way a user fixes it. */
export function keySource(provider: string, apiKeyEnv: string | undefined): string {
  if (provider === "openai") return "check OPENAI_API_KEY in the environment";
  if (apiKeyEnv) return `check ${apiKeyEnv} in the environment (providers.${provider}.apiKeyEnv in ${CONFIG_FILE})`;
  return `set providers.${provider}.apiKeyEnv in ${CONFIG_FILE} to the environment variable that holds its API key`;
}

/** The message with the API key masked (some hosts echo the key they were sent; messages are stored and printed). */
export function maskKey(message: string, apiKey: string): string {
  return apiKey.length >= 8 ? message.split(apiKey).join("***") : message;
}

/**
 * A refused key (401, 403) said for a user: `provider P refused the API key (401): HOST'S MESSAGE; check VAR in the
 * environment (…)`, the key masked. Saying it again changes nothing (training and inference share a client).
 */
export function refusedKeyMessage(
  provider: string,
  apiKeyEnv: string | undefined,
  apiKey: string,
  status: number,
  message: string,
): string {
  const said = maskKey(message, apiKey)
    .replace(/^\d{3} /, "")
    .replace(/^provider \S+: /, "");
  const head = `provider ${provider} refused the API key (${status}): `;
  return said.startsWith(head) ? said : `${head}${said}; ${keySource(provider, apiKeyEnv)}`;
}

/**
 * The `fetch` of a provider's `openai` client with a refused key said for a user in the error body (refusedKeyMessage),
 * so every call through the client says it: eval runs' chat completions (whose runner stores the SDK's message with
 * each sample) as well as training. The status and the rest of the body are kept, so errors classify as before.
 */
export function explainingKeyRefusals(
  provider: string,
  apiKeyEnv: string | undefined,
  apiKey: string,
  base: typeof globalThis.fetch = globalThis.fetch,
): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (response.status !== 401 && response.status !== 403) return response;
    const text = await response.text();
    let body: { error?: { message?: unknown } | string; message?: unknown } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    const nested = typeof body?.error === "object" && body.error !== null ? body.error : undefined;
    const original =
      typeof nested?.message === "string"
        ? nested.message
        : typeof body?.error === "string"
          ? body.error
          : typeof body?.message === "string"
            ? body.message
            : text;
    const message = refusedKeyMessage(provider, apiKeyEnv, apiKey, response.status, original);
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    headers.delete("content-encoding");
    headers.set("content-type", "application/json");
    return new Response(JSON.stringify({ ...body, error: { ...nested, message } }), {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}

/**
 * The trainer with its failures said for a user: a refused key (401, 403) names where the key comes from, and the key
 * itself never appears in a message (some hosts echo the key they were sent; messages are stored with the experiment
 * and printed).
 */
export function explainKeyErrors(trainer: Trainer, provider: string, apiKeyEnv: string | undefined, apiKey: string): Trainer {
  const explain = (error: unknown): unknown => {
    if (!(error instanceof Error)) return error;
    const status = statusOf(error);
    const secret = apiKey.length >= 8 && error.message.includes(apiKey);
    if (status !== 401 && status !== 403 && !secret) return error;
    const message = maskKey(error.message, apiKey);
    if (status !== 401 && status !== 403) return new TunelabError("io_error", message, { details: { provider, status } });
    return new TunelabError("invalid_argument", refusedKeyMessage(provider, apiKeyEnv, apiKey, status, message), {
      details: { provider, status },
    });
  };
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (error) {
        throw explain(error);
      }
    };
  return {
    kind: trainer.kind,
    uploadFile: guard(trainer.uploadFile),
    fileExists: guard(trainer.fileExists),
    createJob: guard(trainer.createJob),
    findJob: guard(trainer.findJob),
    getJob: guard(trainer.getJob),
    newEvents: guard(trainer.newEvents),
    cancelJob: guard(trainer.cancelJob),
  };
}
