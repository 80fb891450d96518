import { TunelabError } from "@tunelab/base";
import type OpenAI from "openai";
import type { ProviderConfig } from "../provider-config.ts";
import { fireworksTrainer } from "./fireworks.ts";
import { openAITrainer } from "./openai.ts";
import { togetherTrainer } from "./together.ts";
import type { ProviderKind, Trainer } from "./trainer.ts";
import { awaitTunedModel } from "./tuned-model-wait.ts";

export type TrainerSource =
  | { kind: "openai" | "azure-openai"; client: OpenAI }
  | { kind: "together" | "fireworks"; config: ProviderConfig; apiKey: string };

/**
 * The trainer adapter of a provider kind (one entry per kind: a missing one fails to compile), with a succeeded job
 * followed until it names its tuned model (awaitTunedModel; `now` is its clock).
 */
export function trainerFor(provider: string, source: TrainerSource, now?: () => Date): Trainer {
  return awaitTunedModel(adapterFor(provider, source, now), now);
}

function adapterFor(provider: string, source: TrainerSource, now: (() => Date) | undefined): Trainer {
  if ("client" in source) return openAITrainer(source.client, source.kind, provider);
  const { config, apiKey } = source;
  const adapters: Record<Exclude<ProviderKind, "openai" | "azure-openai">, () => Trainer> = {
    together: () => togetherTrainer({ provider, baseURL: config.baseURL, apiKey }),
    fireworks: () =>
      fireworksTrainer({
        provider,
        apiBaseURL: config.trainingBaseURL ?? `${new URL(config.baseURL).origin}/v1`,
        account: config.account ?? notYet(provider, "fireworks without account"),
        apiKey,
        ...(now ? { now } : {}),
      }),
  };
  return adapters[source.kind]();
}

function notYet(provider: string, what: string): never {
  throw new TunelabError("invalid_argument", `provider ${provider}: training on ${what} is not supported; inference works`);
}
