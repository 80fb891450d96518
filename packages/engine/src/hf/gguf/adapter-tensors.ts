/**
 * A LoRA adapter as llama.cpp loads it beside a base GGUF (`llama-server -m base.gguf --lora adapter.gguf`), as
 * convert_lora_to_gguf.py writes it: `general.type` "adapter", `adapter.type` "lora", `adapter.lora.alpha`, and for
 * each adapted projection `blk.N.NAME.weight.lora_a` (A, [r, in]) and `.lora_b` (B, [out, r]). llama.cpp scales the
 * product by alpha / r, as PEFT does. For the `llama` and `smollm3` architectures the rows of B for q and k are permuted to its
 * rotary order, as the base's q and k rows are (model-tensors.ts), so B·A lands on the same rows.
 */
import type { HfArchitecture } from "../config.ts";
import type { LoraParams } from "../lora/params.ts";
import { loraScale } from "../lora/settings.ts";
import type { GgufTensor, GgufValue } from "./gguf-file.ts";
import { ggufArchitecture, ggufTensorName, interleaveRotaryRows, permutesRotaryRows } from "./model-tensors.ts";

export function adapterMetadata(a: HfArchitecture, lora: LoraParams, name: string): Map<string, GgufValue> {
  return new Map<string, GgufValue>([
    ["general.architecture", { type: "string", value: ggufArchitecture(a) }],
    ["general.type", { type: "string", value: "adapter" }],
    ["general.name", { type: "string", value: name }],
    ["general.file_type", { type: "u32", value: 0 }],
    ["adapter.type", { type: "string", value: "lora" }],
    // llama.cpp multiplies by alpha / r: the alpha that gives the adapter's own scale
    ["adapter.lora.alpha", { type: "f32", value: loraScale(lora.settings) * lora.settings.rank }],
  ]);
}

export function adapterTensors(a: HfArchitecture, lora: LoraParams): GgufTensor[] {
  const r = lora.settings.rank;
  const permute = permutesRotaryRows(a);
  return lora.layout.slots.flatMap((slot) => {
    const base = ggufTensorName(slot.layer, slot.projection);
    const rotary = permute && (slot.projection === "q_proj" || slot.projection === "k_proj");
    const heads = slot.projection === "q_proj" ? a.heads : a.kvHeads;
    return [
      { name: `${base}.lora_a`, shape: [r, slot.in], type: "F32", values: () => lora.A(slot) },
      {
        name: `${base}.lora_b`,
        shape: [slot.out, r],
        type: "F32",
        values: () => (rotary ? interleaveRotaryRows(lora.B(slot), heads, a.headDim, r) : lora.B(slot)),
      },
    ] satisfies GgufTensor[];
  });
}
