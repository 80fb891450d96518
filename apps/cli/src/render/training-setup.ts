import type { TrainingSetup } from "@tunelab/core";
import { color, formatNumber } from "../output.ts";

const millions = (n: number) => (n >= 1e6 ? `${formatNumber(n / 1e6, 2)}M` : formatNumber(n));

/** The open-weight part of `exp show`: the base checkpoint, the method, the LoRA adapter and what it exports as. */
export function setupText(setup: TrainingSetup): string {
  const lines = [`method: ${setup.method === "none" ? "none (baseline: the base model as is)" : setup.method}`];
  const base = setup.openWeightBase;
  if (base)
    lines.push(
      `base: ${base.id} · ${base.architecture}, ${millions(base.parameters)} parameters (${base.dtype}), context ${formatNumber(base.contextLength)} · ${base.source ?? ""}`.trimEnd(),
    );
  if (setup.trainingType === "full" && setup.trainableParameters !== null)
    lines.push(`full fine-tuning: every weight trains (${formatNumber(setup.trainableParameters)} parameters)`);
  const lora = setup.lora;
  if (lora) {
    const share = `${(lora.trainableFraction * 100).toPrecision(3)}% of the base`;
    lines.push(
      `LoRA${lora.resolved ? "" : color.dim(" (auto values; resolved when training starts)")}: rank ${lora.rank}, alpha ${lora.alpha}, dropout ${lora.dropout}, targets ${lora.targets.join(",")}`,
      `trainable parameters: ${formatNumber(lora.trainableParameters)} (${share})`,
    );
  }
  if (setup.export.formats.length > 0)
    for (const format of setup.export.formats)
      lines.push(`export: tunelab models export ${setup.experimentId} --format ${format} -o ./${setup.experimentId}-${format}`);
  return lines.join("\n");
}
