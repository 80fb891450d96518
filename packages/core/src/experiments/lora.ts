import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import {
  LORA_TARGET_MODULES,
  type LoraTargetModule,
  type RequestedHyperparameters,
  type ResolvedHyperparameters,
} from "./hyperparameters.ts";

/** What the engine resolves `auto` LoRA settings to (packages/engine/src/hf/lora/hyperparameters.ts states the rule). */
export const AUTO_LORA = { lora_rank: 16, lora_alpha: 32, lora_dropout: 0 } as const;

/** The fields of a Hugging Face `config.json` that fix the shapes of a decoder layer's linear projections. */
export const DecoderShape = z.looseObject({
  hidden_size: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  num_key_value_heads: z.number().int().positive().optional(),
  head_dim: z.number().int().positive().nullish(),
});
export type DecoderShape = z.infer<typeof DecoderShape>;

/** [out, in] of a projection, as PyTorch stores a Linear's weight. */
export function projectionShape(config: DecoderShape, projection: LoraTargetModule): [number, number] {
  const headDim = config.head_dim ?? config.hidden_size / config.num_attention_heads;
  const q = config.num_attention_heads * headDim;
  const kv = (config.num_key_value_heads ?? config.num_attention_heads) * headDim;
  const shapes: Record<LoraTargetModule, [number, number]> = {
    q_proj: [q, config.hidden_size],
    k_proj: [kv, config.hidden_size],
    v_proj: [kv, config.hidden_size],
    o_proj: [config.hidden_size, q],
    gate_proj: [config.intermediate_size, config.hidden_size],
    up_proj: [config.intermediate_size, config.hidden_size],
    down_proj: [config.hidden_size, config.intermediate_size],
  };
  return shapes[projection];
}

export interface LoraSettings {
  rank: number;
  alpha: number;
  dropout: number;
  targets: LoraTargetModule[];
  /** Whether each value was resolved by the provider (true) or is what `auto` will become (false). */
  resolved: boolean;
}

/** The LoRA settings an experiment trains (or will train) with: resolved values when known, else `auto`'s. */
export function loraSettings(h: { requested: RequestedHyperparameters; resolved: ResolvedHyperparameters | null }): LoraSettings {
  const pick = (key: "lora_rank" | "lora_alpha" | "lora_dropout"): number => {
    const resolved = h.resolved?.[key];
    if (typeof resolved === "number") return resolved;
    const asked = h.requested[key];
    return typeof asked === "number" ? asked : AUTO_LORA[key];
  };
  const resolvedTargets = h.resolved?.lora_target_modules;
  const asked = h.requested.lora_target_modules;
  const list = Array.isArray(resolvedTargets) ? resolvedTargets : Array.isArray(asked) ? asked : LORA_TARGET_MODULES;
  return {
    rank: pick("lora_rank"),
    alpha: pick("lora_alpha"),
    dropout: pick("lora_dropout"),
    targets: LORA_TARGET_MODULES.filter((m) => (list as readonly string[]).includes(m)),
    resolved: h.resolved?.lora_rank !== undefined,
  };
}

/** Trainable parameters of a LoRA adapter: for each layer and each target projection, rank · (in + out). */
export function loraTrainableParameters(config: unknown, rank: number, targets: ReadonlyArray<LoraTargetModule>): number {
  const parsed = DecoderShape.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TunelabError("invalid_argument", `config.json: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  let perLayer = 0;
  for (const projection of targets) {
    const [out, inn] = projectionShape(parsed.data, projection);
    perLayer += rank * (inn + out);
  }
  return perLayer * parsed.data.num_hidden_layers;
}
