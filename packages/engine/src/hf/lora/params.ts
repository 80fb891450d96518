/**
 * The trainable LoRA parameters as one flat vector (for AdamW, gradient clipping and checkpoints),
 * with views per (layer, projection): A [r, in] then B [out, r].
 */
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import type { Rng } from "../../trainer/train/rng.ts";
import type { HfArchitecture } from "../config.ts";
import { LINEAR_PROJECTIONS, type LinearProjection, projectionShape } from "../tensor-names.ts";
import type { LoraSettings } from "./settings.ts";

export interface LoraSlot {
  layer: number;
  projection: LinearProjection;
  out: number;
  in: number;
  /** Offsets into the flat vector. */
  a: number;
  b: number;
}

export interface LoraLayout {
  slots: LoraSlot[];
  size: number;
}

export function loraLayout(arch: HfArchitecture, settings: LoraSettings): LoraLayout {
  const slots: LoraSlot[] = [];
  let at = 0;
  for (let layer = 0; layer < arch.layers; layer++)
    for (const projection of LINEAR_PROJECTIONS) {
      if (!settings.targets.includes(projection)) continue;
      const [out, inn] = projectionShape(arch, projection);
      slots.push({ layer, projection, out, in: inn, a: at, b: at + settings.rank * inn });
      at += settings.rank * (inn + out);
    }
  return { slots, size: at };
}

export class LoraParams {
  readonly params: Vec;
  readonly grads: Vec;
  private readonly bySlot = new Map<string, LoraSlot>();

  /** `inference`: no gradients (an empty vector), for serving an adapter rather than training it. */
  constructor(
    k: Kernels,
    readonly layout: LoraLayout,
    readonly settings: LoraSettings,
    options: { inference?: boolean } = {},
  ) {
    this.params = k.alloc(layout.size);
    this.grads = k.alloc(options.inference ? 0 : layout.size);
    for (const s of layout.slots) this.bySlot.set(`${s.layer}.${s.projection}`, s);
  }

  slot(layer: number, projection: LinearProjection): LoraSlot | undefined {
    return this.bySlot.get(`${layer}.${projection}`);
  }

  A(s: LoraSlot, of: Vec = this.params): Vec {
    return of.subarray(s.a, s.a + this.settings.rank * s.in);
  }

  B(s: LoraSlot, of: Vec = this.params): Vec {
    return of.subarray(s.b, s.b + s.out * this.settings.rank);
  }

  /** A ~ U(±1/sqrt(in)) from the seeded stream (PEFT's kaiming_uniform(a = sqrt(5))), B = 0. */
  initialize(rng: Rng): void {
    this.params.fill(0);
    for (const s of this.layout.slots) {
      const bound = 1 / Math.sqrt(s.in);
      const a = this.A(s);
      for (let i = 0; i < a.length; i++) a[i] = (2 * rng.next() - 1) * bound;
    }
  }
}
