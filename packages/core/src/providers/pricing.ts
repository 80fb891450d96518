import type { TrainingMethod } from "../experiments/hyperparameters.ts";
import type { ProviderKind } from "./trainers/trainer.ts";

/** US dollars per million tokens. `training` is supervised (LoRA where the provider trains adapters). */
export interface Price {
  input: number;
  output: number;
  training?: number | undefined;
  trainingDpo?: number | undefined;
  trainingFull?: number | undefined;
}

/** A provider's published prices as tunelab ships them: dated, with the page they come from. */
export interface PriceTable {
  asOf: string;
  source: string;
  /** False when the figures could not be re-read from the source on `asOf` (check them before relying on them). */
  checked: boolean;
  /** By model id (also matched as a prefix: `gpt-4o-mini` covers `gpt-4o-mini-2024-07-18`). */
  models: Record<string, Price>;
  /** By parameter count read from the model's name (`…-8B-…`), smallest bracket first. */
  bySize?: ReadonlyArray<{ upToBillions: number; price: Price }>;
}

/**
 * Default prices per provider kind, used when tunelab.config.json sets none for a model. They are estimates for the
 * leaderboard's cost column and `exp create --dry-run`; the provider's invoice is the truth. Azure bills training and
 * hosting by the hour, so it has no per-token default: set `pricing` in tunelab.config.json.
 */
export const DEFAULT_PRICES: Record<ProviderKind, PriceTable> = {
  openai: {
    asOf: "2026-12-02",
    source: "https://platform.openai.com/docs/pricing (fine-tuning section)",
    checked: false,
    models: {
      "gpt-4.1-nano": { training: 1.5, input: 0.2, output: 0.8 },
      "gpt-4.1-mini": { training: 5, input: 0.8, output: 3.2 },
      "gpt-4.1": { training: 25, input: 3, output: 12 },
      "gpt-4o-mini": { training: 3, input: 0.3, output: 1.2 },
      "gpt-4o": { training: 25, input: 3.75, output: 15 },
    },
  },
  "azure-openai": {
    asOf: "2026-12-02",
    source: "https://azure.microsoft.com/pricing/details/cognitive-services/openai-service/ (hourly training and hosting)",
    checked: false,
    models: {},
  },
  together: {
    asOf: "2026-12-02",
    source: "https://www.together.ai/pricing (fine-tuning: per million tokens processed, by model size, SFT/DPO, LoRA/full)",
    checked: false,
    models: {},
    bySize: [
      { upToBillions: 16, price: { training: 0.48, trainingFull: 0.54, trainingDpo: 1.2, input: 0.2, output: 0.2 } },
      { upToBillions: 69, price: { training: 1.5, trainingFull: 1.65, trainingDpo: 3.75, input: 0.88, output: 0.88 } },
      { upToBillions: 100, price: { training: 2.9, trainingFull: 3.2, trainingDpo: 7.25, input: 0.88, output: 0.88 } },
    ],
  },
  fireworks: {
    asOf: "2026-12-02",
    source: "https://fireworks.ai/pricing (fine-tuning per million training tokens, by model size)",
    checked: false,
    models: {},
    bySize: [
      { upToBillions: 16, price: { training: 0.5, input: 0.2, output: 0.2 } },
      { upToBillions: 80, price: { training: 3, input: 0.9, output: 0.9 } },
    ],
  },
};

/** Parameters in billions read from a model's name (`Llama-3.2-1B-Instruct` → 1, `Qwen2.5-0.5B` → 0.5). */
export function billionsInName(model: string): number | undefined {
  const found = [...model.matchAll(/(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z0-9])/gi)].map((m) => Number(m[1]));
  return found.length ? found[found.length - 1] : undefined;
}

/** The default price of a model on a provider kind, if the table has one. */
export function defaultPrice(kind: ProviderKind, model: string): Price | undefined {
  const table = DEFAULT_PRICES[kind];
  const base = model.startsWith("ft:") ? (model.split(":")[1] ?? model) : model;
  const exact = table.models[base];
  if (exact) return exact;
  const prefix = Object.keys(table.models)
    .filter((key) => base.startsWith(key))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix) return table.models[prefix];
  const size = billionsInName(base);
  if (size === undefined || !table.bySize) return undefined;
  return table.bySize.find((b) => size <= b.upToBillions)?.price;
}

/** The per-million training price for a method and training type (DPO and full training cost more where priced). */
export function trainingPrice(price: Price, method: TrainingMethod, full: boolean): number | undefined {
  if (method === "dpo") return price.trainingDpo ?? price.training;
  return full ? (price.trainingFull ?? price.training) : price.training;
}
