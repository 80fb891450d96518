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
    const message = secret ? error.message.split(apiKey).join("***") : error.message;
    if (status !== 401 && status !== 403) return new TunelabError("io_error", message, { details: { provider, status } });
    return new TunelabError(
      "invalid_argument",
      `provider ${provider} refused the API key (${status}): ${message.replace(/^provider \S+: /, "").replace(/^\d{3} /, "")}; ${keySource(provider, apiKeyEnv)}`,
      { details: { provider, status } },
    );
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
