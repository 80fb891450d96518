/**
 * LoRA settings (PEFT's names): rank `r`, `lora_alpha`, `lora_dropout` and `target_modules`. The
 * adapted weight is W + (alpha / r)·B·A with A [r, in] and B [out, r]; A starts uniform in
 * ±1/sqrt(in) (PEFT's kaiming_uniform with a = sqrt(5)) and B at zero, so training starts from the
 * base model exactly.
 */
import { z } from "zod";
import { LINEAR_PROJECTIONS, type LinearProjection } from "../tensor-names.ts";

export const LoraSettings = z.object({
  rank: z.number().int().min(1).max(512),
  alpha: z.number().positive().max(4096),
  dropout: z.number().min(0).max(0.9),
  targets: z.array(z.enum(LINEAR_PROJECTIONS)).min(1),
});
export type LoraSettings = z.infer<typeof LoraSettings>;

/** Defaults: rank 16, alpha 32, no dropout, every linear projection (attention and MLP). */
export const DEFAULT_LORA: LoraSettings = { rank: 16, alpha: 32, dropout: 0, targets: [...LINEAR_PROJECTIONS] };

export const loraScale = (s: LoraSettings): number => s.alpha / s.rank;

export const isTarget = (s: LoraSettings, p: LinearProjection): boolean => s.targets.includes(p);
