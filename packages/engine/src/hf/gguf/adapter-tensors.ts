/**
 * A LoRA adapter as llama.cpp loads it beside a base GGUF (`llama-server -m base.gguf --lora adapter.gguf`), as
 * convert_lora_to_gguf.py writes it: `general.type` "adapter", `adapter.type` "lora", `adapter.lora.alpha`, and for
 * each adapted matrix `blk.N.NAME.weight.lora_a` (A, [rank, in]) and `.lora_b` (B, [out, rank]). llama.cpp scales
 * each pair's product by alpha / its own rank (B's columns; llama_adapter_lora_weight::get_scale), as PEFT does. For
 * the `llama` and `smollm3` architectures the rows of B for q and k are permuted to its rotary order, as the base's q
 * and k rows are (model-tensors.ts), so B·A lands on the same rows.
 *
 * Phi-3's base holds q, k and v stacked as one `attn_qkv`, gate and up as one `ffn_up` (model-tensors.ts ggufLinears),
 * and llama.cpp adapts only the matrices the base has. The parts' adapters go side by side, which is exact:
 * A = [A_q; A_k; A_v] (rank n·r for n adapted parts) and B block-diagonal (q's rows times A_q's columns, …, zeros
 * elsewhere), so B·A = [B_q·A_q; B_k·A_k; B_v·A_v], a part left unadapted having zero rows. llama.cpp then scales the
 * pair by alpha / (n·r), so its B carries the factor n: alpha / (n·r) · n·B·A = (alpha / r)·B·A, the engine's scale
 * (× 2 is exact in float32; × 3 rounds each value once, to 2⁻²⁴ of it). One alpha for the file, and every pair the
 * size its parts need (no padding to a common rank, as PEFT's single `r` makes peft-stacked.ts do).
 */
import type { HfArchitecture } from "../config.ts";
import type { LoraParams } from "../lora/params.ts";
import { loraScale } from "../lora/settings.ts";
import type { GgufTensor, GgufValue } from "./gguf-file.ts";
import { ggufArchitecture, ggufLinears, interleaveRotaryRows, permutesRotaryRows } from "./model-tensors.ts";

export function adapterMetadata(a: HfArchitecture, lora: LoraParams, name: string): Map<string, GgufValue> {
  return new Map<string, GgufValue>([
    ["general.architecture", { type: "string", value: ggufArchitecture(a) }],
    ["general.type", { type: "string", value: "adapter" }],
    ["general.name", { type: "string", value: name }],
    ["general.file_type", { type: "u32", value: 0 }],
    ["adapter.type", { type: "string", value: "lora" }],
    // llama.cpp multiplies by alpha / rank: the alpha that gives the adapter's own scale at rank r
    ["adapter.lora.alpha", { type: "f32", value: loraScale(lora.settings) * lora.settings.rank }],
  ]);
}

export function adapterTensors(a: HfArchitecture, lora: LoraParams): GgufTensor[] {
  const r = lora.settings.rank;
  const permute = permutesRotaryRows(a);
  const out: GgufTensor[] = [];
  for (let l = 0; l < a.layers; l++)
    for (const t of ggufLinears(a, l)) {
      const adapted = t.parts.flatMap((part) => {
        const slot = lora.slot(l, part.projection);
        return slot ? [{ part, slot }] : [];
      });
      const [first] = adapted;
      if (!first) continue;
      if (t.parts.length === 1) {
        const { slot } = first;
        const rotary = permute && (slot.projection === "q_proj" || slot.projection === "k_proj");
        const heads = slot.projection === "q_proj" ? a.heads : a.kvHeads;
        out.push(
          { name: `${t.name}.lora_a`, shape: [r, slot.in], type: "F32", values: () => lora.A(slot) },
          {
            name: `${t.name}.lora_b`,
            shape: [slot.out, r],
            type: "F32",
            values: () => (rotary ? interleaveRotaryRows(lora.B(slot), heads, a.headDim, r) : lora.B(slot)),
          },
        );
        continue;
      }
      // a stacked matrix (Phi-3): the adapted parts side by side (see the file's comment)
      const n = adapted.length;
      const rank = n * r;
      out.push(
        {
          name: `${t.name}.lora_a`,
          shape: [rank, t.cols],
          type: "F32",
          values: () => {
            const A = new Float32Array(rank * t.cols);
            for (const [j, { slot }] of adapted.entries()) A.set(lora.A(slot), j * r * t.cols);
            return A;
          },
        },
        {
          name: `${t.name}.lora_b`,
          shape: [t.rows, rank],
          type: "F32",
          values: () => {
            const B = new Float32Array(t.rows * rank);
            adapted.forEach(({ part, slot }, j) => {
              const b = lora.B(slot);
              for (let i = 0; i < part.rows; i++)
                for (let c = 0; c < r; c++) B[(part.rowOffset + i) * rank + j * r + c] = n * (b[i * r + c] as number);
            });
            return B;
          },
        },
      );
    }
  return out;
}
