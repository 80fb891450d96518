import { TunelabError } from "@tunelab/base";
import type { HyperparameterName, RequestedHyperparameters, TrainingMethod } from "../experiments/hyperparameters.ts";
import { FIREWORKS_BASE_LEARNING_RATE } from "./trainers/fireworks.ts";
import { TOGETHER_BASE_LEARNING_RATE } from "./trainers/together.ts";
import type { ProviderKind } from "./trainers/trainer.ts";

/** How one of tunelab's hyperparameters reaches a provider: its name there, the value sent, and the limits. */
export interface HyperparameterRule {
  /** The provider's field (a path in its request body). */
  as: string;
  /** The value sent for ours (default: unchanged). */
  map?: (value: unknown) => unknown;
  /** Why a value cannot be sent (undefined when it can). */
  check?: (value: unknown) => string | undefined;
  note?: string;
}

/** What a provider kind can train, and how tunelab's hyperparameters map onto its API. */
export interface Capabilities {
  kind: ProviderKind;
  /** Methods tunelab drives on it. */
  methods: readonly TrainingMethod[];
  /** Methods the provider documents that tunelab does not drive yet (listed so users know). */
  notDriven: readonly string[];
  /** Training types it takes (`[]`: the provider picks, no choice is sent). */
  trainingTypes: ReadonlyArray<"lora" | "full">;
  /** Epochs the provider trains when n_epochs is `auto` (`dataset`: OpenAI's rule by dataset size). */
  defaultEpochs: number | "dataset";
  /** Our hyperparameters it takes; any other one that is set is refused before anything is uploaded. */
  hyperparameters: Partial<Record<HyperparameterName, HyperparameterRule>>;
  docs: readonly string[];
}

const passThrough = (path: string): HyperparameterRule => ({ as: path });
const OPENAI_HP = {
  n_epochs: passThrough("method.<type>.hyperparameters.n_epochs"),
  batch_size: passThrough("method.<type>.hyperparameters.batch_size"),
  learning_rate_multiplier: passThrough("method.<type>.hyperparameters.learning_rate_multiplier"),
  beta: passThrough("method.dpo.hyperparameters.beta"),
} satisfies Partial<Record<HyperparameterName, HyperparameterRule>>;
const ENGINE_EXTENSION = (key: string): HyperparameterRule => ({
  as: `method.<type>.hyperparameters.${key}`,
  note: "an extension: the embedded engine takes it; OpenAI itself refuses it",
});

/**
 * The capability table: one entry per provider kind (a missing one fails to compile). Sources are cited per entry;
 * limits per base model (maximum LoRA rank, epochs, batch size) are the provider's and checked by it.
 */
export const CAPABILITIES: Record<ProviderKind, Capabilities> = {
  openai: {
    kind: "openai",
    methods: ["supervised", "dpo"],
    notDriven: ["reinforcement", "vision (images in supervised data)"],
    trainingTypes: [],
    defaultEpochs: "dataset",
    hyperparameters: {
      ...OPENAI_HP,
      prompt_loss_weight: ENGINE_EXTENSION("prompt_loss_weight"),
      early_stopping_patience: ENGINE_EXTENSION("early_stopping_patience"),
      training_type: ENGINE_EXTENSION("training_type"),
      lora_rank: ENGINE_EXTENSION("lora_rank"),
      lora_alpha: ENGINE_EXTENSION("lora_alpha"),
      lora_dropout: ENGINE_EXTENSION("lora_dropout"),
      lora_target_modules: ENGINE_EXTENSION("lora_target_modules"),
      base_quantization: ENGINE_EXTENSION("base_quantization"),
    },
    docs: ["https://platform.openai.com/docs/api-reference/fine-tuning/create"],
  },
  "azure-openai": {
    kind: "azure-openai",
    methods: ["supervised", "dpo"],
    notDriven: ["reinforcement"],
    trainingTypes: [],
    defaultEpochs: "dataset",
    hyperparameters: OPENAI_HP,
    docs: ["https://learn.microsoft.com/azure/ai-foundry/openai/how-to/fine-tuning"],
  },
  together: {
    kind: "together",
    methods: ["supervised", "dpo"],
    notDriven: ["vision (train_vision)", "function calling and reasoning data (accepted as chat data)"],
    trainingTypes: ["lora", "full"],
    defaultEpochs: 1,
    hyperparameters: {
      n_epochs: { as: "n_epochs" },
      batch_size: { as: "batch_size", note: "auto sends nothing: Together uses max" },
      learning_rate_multiplier: {
        as: "learning_rate",
        map: (v) => Number(((v as number) * TOGETHER_BASE_LEARNING_RATE).toPrecision(6)),
        note: `× Together's default learning rate ${TOGETHER_BASE_LEARNING_RATE}`,
      },
      prompt_loss_weight: {
        as: "training_method.train_on_inputs",
        map: (v) => (v as number) > 0,
        check: (v) =>
          v === 0 || v === 1
            ? undefined
            : "Together either masks prompts or trains on them: prompt_loss_weight must be 0 (mask) or 1 (train)",
      },
      beta: { as: "training_method.dpo_beta" },
      training_type: { as: "training_type.type", map: (v) => (v === "full" ? "Full" : "Lora") },
      lora_rank: { as: "training_type.lora_r" },
      lora_alpha: { as: "training_type.lora_alpha" },
      lora_dropout: { as: "training_type.lora_dropout" },
      lora_target_modules: {
        as: "training_type.lora_trainable_modules",
        map: (v) => (Array.isArray(v) ? v.join(",") : v),
      },
    },
    docs: ["https://docs.together.ai/reference/post-fine-tunes", "https://docs.together.ai/docs/fine-tuning-pricing"],
  },
  fireworks: {
    kind: "fireworks",
    methods: ["supervised"],
    notDriven: ["dpo (dpoJobs)", "reinforcement (reinforcementFineTuningJobs)"],
    trainingTypes: ["lora"],
    defaultEpochs: 1,
    hyperparameters: {
      n_epochs: { as: "epochs" },
      batch_size: { as: "batchSizeSamples", note: "examples per gradient batch" },
      learning_rate_multiplier: {
        as: "learningRate",
        map: (v) => Number(((v as number) * FIREWORKS_BASE_LEARNING_RATE).toPrecision(6)),
        note: `× ${FIREWORKS_BASE_LEARNING_RATE}, firectl's default learning rate (an assumption: the API reference gives none)`,
      },
      lora_rank: { as: "loraRank" },
    },
    docs: ["https://docs.fireworks.ai/api-reference/create-supervised-fine-tuning-job"],
  },
};

export interface MappedHyperparameter {
  ours: HyperparameterName;
  value: unknown;
  theirs: string;
  sent: unknown;
  note?: string;
}

/** The hyperparameters set (not `auto`), each with the provider's name and the value sent. */
export function mapHyperparameters(kind: ProviderKind, h: RequestedHyperparameters): MappedHyperparameter[] {
  const rules = CAPABILITIES[kind].hyperparameters;
  const out: MappedHyperparameter[] = [];
  for (const [key, value] of Object.entries(h) as Array<[HyperparameterName, unknown]>) {
    if (value === undefined || value === "auto") continue;
    const rule = rules[key];
    if (!rule) continue;
    out.push({ ours: key, value, theirs: rule.as, sent: rule.map ? rule.map(value) : value, ...(rule.note ? { note: rule.note } : {}) });
  }
  return out;
}

/** Why a provider kind cannot train this (undefined when it can): checked before anything is uploaded. */
export function capabilityProblem(
  provider: string,
  kind: ProviderKind,
  method: TrainingMethod,
  h: RequestedHyperparameters,
): string | undefined {
  const caps = CAPABILITIES[kind];
  if (!caps.methods.includes(method))
    return `provider ${provider} (kind ${kind}) cannot train method ${method}; it trains ${caps.methods.join(", ")}`;
  const type = h.training_type;
  if (type && type !== "auto" && caps.trainingTypes.length > 0 && !caps.trainingTypes.includes(type))
    return `hyperparameters.training_type: provider ${provider} (kind ${kind}) trains ${caps.trainingTypes.join(" or ")}, not ${type}`;
  for (const [key, value] of Object.entries(h) as Array<[HyperparameterName, unknown]>) {
    if (value === undefined || value === "auto") continue;
    const rule = caps.hyperparameters[key];
    if (!rule) {
      const takes = Object.keys(caps.hyperparameters).join(", ");
      return `hyperparameters.${key}: provider ${provider} (kind ${kind}) has no such setting; it takes ${takes}`;
    }
    const why = rule.check?.(value);
    if (why) return `hyperparameters.${key}: ${why}`;
  }
  return undefined;
}

export function assertCapable(provider: string, kind: ProviderKind, method: TrainingMethod, h: RequestedHyperparameters): void {
  const why = capabilityProblem(provider, kind, method, h);
  if (why) throw new TunelabError("invalid_argument", why, { details: { provider, kind, method } });
}
