import { TunelabError } from "@tunelab/base";
import { loadFetchClasses } from "@tunelab/evals";
import OpenAI from "openai";
import { readEnv, readSecret } from "../env.ts";
import { azureClient } from "./azure-client.ts";
import { type LocalChat, type LocalFetch, localClient } from "./local-client.ts";
import type { ProviderConfig, TunelabConfig } from "./provider-config.ts";
import { hostedTrainingFile } from "./trainers/hosted-file.ts";
import { explainingKeyRefusals, explainKeyErrors } from "./trainers/key-errors.ts";
import { isOpenAIItself, openAIWindDown } from "./trainers/openai-wind-down.ts";
import type { ProviderKind, Trainer } from "./trainers/trainer.ts";
import { trainerFor } from "./trainers/trainer-for.ts";

export { LOCAL_BASE_URL, type LocalChat, type LocalFetch } from "./local-client.ts";

export const LOCAL_PROVIDER = "local";

export interface ProviderOptions {
  config: TunelabConfig;
  /** Present when the embedded engine is available in this process. */
  localFetch?: LocalFetch;
  /** The embedded engine's in-process chat completion, when it has one (non-streaming chat completions go there). */
  localChat?: LocalChat;
  /** The clock OpenAI's wind-down and the wait for a succeeded job's tuned model are judged by (tests set it). */
  now?: () => Date;
}

/**
 * One implementation for every provider: an `openai` client with a base URL. `local` reaches the embedded engine
 * in-process (no port): chat completions straight to its fetch, the rest through the SDK's `fetch` option
 * (`localClient`); `openai` uses OPENAI_API_KEY / OPENAI_BASE_URL; any other name comes
 * from tunelab.config.json. The SDK's own retries are off: callers (the eval runner, job polling) own retries.
 */
export class Providers {
  private readonly clients = new Map<string, OpenAI>();

  constructor(private readonly options: ProviderOptions) {
    // The embedded engine answers through fetch's classes (Request, Response), which Node loads on first use by
    // compiling its bundled undici: 50-100 ms of one synchronous turn. Loaded with the runtime, before any work, rather
    // than in the middle of the first eval run's event loop (progress, SSE and cancel would wait behind it).
    if (options.localFetch) loadFetchClasses();
  }

  names(): string[] {
    return [LOCAL_PROVIDER, "openai", ...Object.keys(this.options.config.providers)];
  }

  client(name: string): OpenAI {
    const cached = this.clients.get(name);
    if (cached) return cached;
    const client = this.create(name);
    this.clients.set(name, client);
    return client;
  }

  config(name: string): ProviderConfig | undefined {
    return this.options.config.providers[name];
  }

  /** Which training API the provider speaks (`local` and `openai` speak OpenAI's). */
  kind(name: string): ProviderKind {
    return this.options.config.providers[name]?.kind ?? "openai";
  }

  /** The provider's trainer adapter; `local`, `openai` and kind `openai` train through the SDK client. */
  trainer(name: string): Trainer {
    const config = this.options.config.providers[name];
    const now = this.options.now;
    if (name === LOCAL_PROVIDER) return trainerFor(name, { kind: "openai", client: this.client(name) }, now);
    const trainer =
      !config || config.kind === "openai"
        ? trainerFor(name, { kind: "openai", client: this.client(name) }, now)
        : config.kind === "azure-openai"
          ? trainerFor(name, { kind: "azure-openai", client: this.client(name) }, now)
          : trainerFor(name, { kind: config.kind, config, apiKey: this.apiKey(name, config) ?? "none" }, now);
    // hosted providers get each line with only the keys their training formats document (the engine takes any)
    const hosted: Trainer = {
      ...trainer,
      uploadFile: (file, signal) => trainer.uploadFile({ ...file, content: hostedTrainingFile(file.content) }, signal),
    };
    const apiKey =
      !config || config.kind === "openai" || config.kind === "azure-openai" ? this.client(name).apiKey : this.apiKey(name, config);
    const openAI = isOpenAIItself(name, config?.baseURL) ? openAIWindDown(hosted, this.options.now) : hosted;
    return explainKeyErrors(openAI, name, config?.apiKeyEnv, apiKey ?? "");
  }

  private apiKey(name: string, config: ProviderConfig): string | undefined {
    const apiKey = config.apiKeyEnv ? readSecret(config.apiKeyEnv) : undefined;
    if (config.apiKeyEnv && !apiKey)
      throw new TunelabError("invalid_argument", `provider ${name} needs ${config.apiKeyEnv} in the environment`);
    return apiKey;
  }

  private create(name: string): OpenAI {
    if (name === LOCAL_PROVIDER) {
      const localFetch = this.options.localFetch;
      if (!localFetch) throw new TunelabError("invalid_argument", "the embedded engine is not running in this process");
      return localClient(localFetch, this.options.localChat);
    }
    // a refused key says where the key comes from, in training and in eval runs alike (explainingKeyRefusals)
    if (name === "openai") {
      const env = readEnv();
      if (!env.OPENAI_API_KEY) throw new TunelabError("invalid_argument", "provider openai needs OPENAI_API_KEY in the environment");
      return new OpenAI({
        apiKey: env.OPENAI_API_KEY,
        maxRetries: 0,
        fetch: explainingKeyRefusals(name, undefined, env.OPENAI_API_KEY),
        ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
      });
    }
    const config = this.options.config.providers[name];
    if (!config) {
      throw new TunelabError("not_found", `unknown provider "${name}" (known: ${this.names().join(", ")}); add it to tunelab.config.json`);
    }
    const apiKey = this.apiKey(name, config) ?? "none";
    const fetch = explainingKeyRefusals(name, config.apiKeyEnv, apiKey);
    if (config.kind === "azure-openai") return azureClient(config, apiKey, fetch);
    return new OpenAI({ apiKey, baseURL: config.baseURL, maxRetries: 0, fetch });
  }
}
