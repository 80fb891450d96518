import type OpenAI from "openai";
import { TunelabError } from "../../errors.ts";
import type { ProviderConfig } from "../provider-config.ts";
import { openAITrainer } from "./openai.ts";
import { togetherTrainer } from "./together.ts";
import type { ProviderKind, Trainer } from "./trainer.ts";

export type TrainerSource =
  | { kind: "openai"; client: OpenAI }
  | { kind: Exclude<ProviderKind, "openai">; config: ProviderConfig; apiKey: string };

/** The trainer adapter of a provider kind (one entry per kind: a missing one fails to compile). */
export function trainerFor(provider: string, source: TrainerSource): Trainer {
  if (source.kind === "openai") return openAITrainer(source.client);
  const { config, apiKey } = source;
  const adapters: Record<Exclude<ProviderKind, "openai">, () => Trainer> = {
    together: () => togetherTrainer({ provider, baseURL: config.baseURL, apiKey }),
    fireworks: () => notYet(provider, "fireworks"),
    "azure-openai": () => notYet(provider, "azure-openai"),
  };
  return adapters[source.kind]();
}

function notYet(provider: string, kind: string): never {
  throw new TunelabError("invalid_argument", `provider ${provider}: training on kind ${kind} is not supported yet; inference works`);
}
