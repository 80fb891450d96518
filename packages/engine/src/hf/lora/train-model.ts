/**
 * Training forward and backward of a Llama-family model with frozen base weights and LoRA adapters
 * (hf/model/decoder.ts is the inference twin with a KV cache). A batch is its examples' rows one after another
 * (batches.ts: packed, no padding; or the padded [B, T] form), each example starting at position 0: the matrix
 * products run over every row at once, RoPE and causal attention over each example's rows alone. The loss is chunked
 * over rows, so [rows, vocab] logits never exist whole.
 *
 * Saved per layer: the residual stream at the layer's input and middle, q/k (after RoPE, and before
 * the q/k norm for Qwen3), v, the attention output, gate and up, and the adapters' s·drop(x)·Aᵀ.
 * The normalised inputs and the SwiGLU product are recomputed in the backward pass.
 *
 * Gradient checkpointing: when saving all that for every layer would take more than `activationBudgetBytes()` (a
 * quarter of the machine's memory, at least 1 GiB; the activations take about 0.7 MB a token of the batch on
 * SmolLM2-135M, 1.3 MB on Qwen2.5-0.5B, 1.6 MB on Llama-3.2-1B), only each layer's input is saved, and the backward pass
 * runs each layer's forward again from it into one layer's worth of buffers (one more forward pass a step, about a
 * third more compute). The recomputed values are the same floats, so the gradients are identical either way.
 */
import type { Vec } from "../../trainer/kernels/types.ts";
import {
  attentionScale,
  attentionSoftcap,
  attentionWindow,
  embeddingScale,
  finalSoftcap,
  logitScale,
  residualScale,
  rotaryDim,
  usesRope,
} from "../config.ts";
import { machineMemoryBytes } from "../machine-memory.ts";
import { type DecoderModel, layerRope, scaleInPlace } from "../model/decoder.ts";
import { gatedBwd, gatedFwd } from "../model/gated-mlp.ts";
import { gatherRowsW, gemmW } from "../model/matrix.ts";
import { capLogits, capLogitsBackward } from "../model/softcap.ts";
import type { HfWeights } from "../model/weights.ts";
import { LINEAR_PROJECTIONS, type LinearProjection } from "../tensor-names.ts";
import { type Adapter, type AdapterScratch, linearBackward, linearForward } from "./adapted-linear.ts";
import { paddedRows, type RowLayout, rowExamples } from "./batches.ts";
import type { LoraParams } from "./params.ts";
import { loraScale } from "./settings.ts";

const LOSS_CHUNK_ROWS = 256;

/**
 * Above this much saved activation memory for a batch, each layer's activations are recomputed in the backward pass: a
 * quarter of the machine's memory (or its container's limit), at least 1 GiB (4 GiB on a 16 GiB laptop), so a machine with memory to spare
 * trains at full speed and one without trains at all.
 */
export function activationBudgetBytes(): number {
  return Math.max(1024 ** 3, machineMemoryBytes() / 4);
}

/** Whether to recompute activations in the backward pass: when the batch's would exceed the budget (`auto`), or always / never. */
export type Checkpointing = "auto" | "always" | "never";

interface LayerActs {
  xin: Vec;
  xmid: Vec;
  rstd1: Vec;
  rstd2: Vec;
  qpre: Vec | null;
  kpre: Vec | null;
  rstdq: Vec | null;
  rstdk: Vec | null;
  q: Vec;
  k: Vec;
  v: Vec;
  att: Vec;
  gate: Vec;
  up: Vec;
  /** Gemma 3: the attention's and the MLP's outputs before their norms, and those norms' rstd. */
  ao: Vec | null;
  mo: Vec | null;
  rstd3: Vec | null;
  rstd4: Vec | null;
  us: Partial<Record<LinearProjection, Vec>>;
}

export interface LossSums {
  lossSum: number;
  correctSum: number;
  weightSum: number;
}

export class LoraTrainModel {
  private capacity = 0;
  /** Every layer's saved activations; with checkpointing, one set that each layer's forward fills in turn. */
  private acts: LayerActs[] = [];
  /** With checkpointing: each layer's input (the residual stream), and a copy of it a layer is recomputed from. */
  private layerInputs: Vec[] = [];
  private recomputeInput!: Vec;
  private checkpointed = false;
  private xfinal!: Vec;
  private rstdf!: Vec;
  private h!: Vec;
  private dx!: Vec;
  private dh!: Vec;
  /** Gemma 3: the gradient of a branch's output before its norm. */
  private dOut!: Vec;
  private dq!: Vec;
  private dk!: Vec;
  private dv!: Vec;
  private datt!: Vec;
  private dkWide!: Vec;
  private dvWide!: Vec;
  private dgate!: Vec;
  private dup!: Vec;
  private act!: Vec;
  private dus!: Vec;
  private scratch!: AdapterScratch;
  private logits!: Vec;
  /** Gemma 2: the capped logits of the loss chunk, for the cap's backward. */
  private capped!: Vec;
  /** Rows with a loss weight, and their gathered final states, targets, weights and head gradients. */
  private sel!: Int32Array;
  private hSel!: Vec;
  private dhSel!: Vec;
  private selTargets!: Int32Array;
  private selWeights!: Vec;
  private losses!: Vec;
  private correct!: Vec;
  /** Where each example's rows are in the last forward(). */
  private layout: RowLayout = paddedRows(0, 0);
  /** Dropout seed of the current step (masks are recomputed in backward from it). */
  private stepSeed = 0;
  private dropoutOn = true;

  /** Saved ids of the last forward (the embedding's gradient in full fine-tuning). */
  private ids: Int32Array = new Int32Array(0);

  /**
   * LoRA: `lora` adapters on frozen weights. Full fine-tuning: `lora` null and `full` the gradients of every weight
   * (views shaped as the model's weights, into one flat vector), written by loss(grad) and backward().
   */
  constructor(
    readonly m: DecoderModel,
    readonly lora: LoraParams | null,
    readonly full: { grads: HfWeights; flat: Vec } | null = null,
    readonly checkpointing: Checkpointing = "auto",
    /** With `auto`: the saved activations above which they are recomputed. */
    readonly budgetBytes: number = activationBudgetBytes(),
  ) {}

  /** Whether the last forward saved only the layers' inputs (gradient checkpointing). */
  get recomputes(): boolean {
    return this.checkpointed;
  }

  /** The bytes of activations one token of a batch keeps when every layer saves them (no checkpointing). */
  activationBytesPerToken(): number {
    const a = this.m.arch;
    const qw = a.heads * a.headDim;
    const kvw = a.kvHeads * a.headDim;
    const r = this.lora?.settings.rank ?? 0;
    let perLayer = 2 * a.hidden + 2 + 2 * qw + 2 * kvw + 2 * a.intermediate;
    if (a.qkNorm) perLayer += qw + kvw + a.heads + a.kvHeads;
    if (a.gemma) perLayer += 2 * a.hidden + 2;
    for (let l = 0; l < a.layers; l++) for (const p of LINEAR_PROJECTIONS) if (this.lora?.slot(l, p)) perLayer += r / a.layers;
    return 4 * a.layers * perLayer;
  }

  private ensure(R: number): void {
    if (R <= this.capacity) return;
    const { k, arch: a } = this.m;
    const qw = a.heads * a.headDim;
    const kvw = a.kvHeads * a.headDim;
    const r = this.lora?.settings.rank ?? 1;
    const widest = Math.max(a.hidden, a.intermediate, qw);
    this.checkpointed =
      this.checkpointing === "always" || (this.checkpointing === "auto" && R * this.activationBytesPerToken() > this.budgetBytes);
    // the projections adapted in any layer: one set of buffers serves every layer when checkpointing
    const adapted = LINEAR_PROJECTIONS.filter((p) => Array.from({ length: a.layers }, (_, l) => l).some((l) => this.lora?.slot(l, p)));
    this.acts = Array.from({ length: this.checkpointed ? 1 : a.layers }, (_, l) => ({
      xin: k.alloc(R * a.hidden),
      xmid: k.alloc(R * a.hidden),
      rstd1: k.alloc(R),
      rstd2: k.alloc(R),
      qpre: a.qkNorm ? k.alloc(R * qw) : null,
      kpre: a.qkNorm ? k.alloc(R * kvw) : null,
      rstdq: a.qkNorm ? k.alloc(R * a.heads) : null,
      rstdk: a.qkNorm ? k.alloc(R * a.kvHeads) : null,
      q: k.alloc(R * qw),
      k: k.alloc(R * kvw),
      v: k.alloc(R * kvw),
      att: k.alloc(R * qw),
      gate: k.alloc(R * a.intermediate),
      up: k.alloc(R * a.intermediate),
      ao: a.gemma ? k.alloc(R * a.hidden) : null,
      mo: a.gemma ? k.alloc(R * a.hidden) : null,
      rstd3: a.gemma ? k.alloc(R) : null,
      rstd4: a.gemma ? k.alloc(R) : null,
      us: Object.fromEntries(
        (this.checkpointed ? adapted : LINEAR_PROJECTIONS.filter((p) => this.lora?.slot(l, p))).map((p) => [p, k.alloc(R * r)]),
      ) as Partial<Record<LinearProjection, Vec>>,
    }));
    this.layerInputs = this.checkpointed ? Array.from({ length: a.layers }, () => k.alloc(R * a.hidden)) : [];
    this.recomputeInput = k.alloc(this.checkpointed ? R * a.hidden : 0);
    this.xfinal = k.alloc(R * a.hidden);
    this.rstdf = k.alloc(R);
    this.h = k.alloc(R * a.hidden);
    this.dx = k.alloc(R * a.hidden);
    this.dh = k.alloc(R * a.hidden);
    this.dOut = k.alloc(a.gemma || residualScale(a) !== 1 ? R * a.hidden : 0);
    this.dq = k.alloc(R * qw);
    this.dk = k.alloc(R * kvw);
    this.dv = k.alloc(R * kvw);
    this.datt = k.alloc(R * qw);
    this.dkWide = k.alloc(R * qw);
    this.dvWide = k.alloc(R * qw);
    this.dgate = k.alloc(R * a.intermediate);
    this.dup = k.alloc(R * a.intermediate);
    this.act = k.alloc(R * a.intermediate);
    this.dus = k.alloc(R * r);
    this.scratch =
      (this.lora?.settings.dropout ?? 0) > 0 ? { xd: k.alloc(R * widest), tmp: k.alloc(R * widest) } : { xd: k.alloc(0), tmp: k.alloc(0) };
    const chunk = Math.min(R, LOSS_CHUNK_ROWS);
    this.logits = k.alloc(chunk * a.vocab);
    this.capped = k.alloc(finalSoftcap(a) ? chunk * a.vocab : 0);
    this.sel = new Int32Array(R);
    this.hSel = k.alloc(chunk * a.hidden);
    this.dhSel = k.alloc(chunk * a.hidden);
    this.selTargets = new Int32Array(chunk);
    this.selWeights = k.alloc(chunk);
    this.losses = k.alloc(R);
    this.correct = k.alloc(R);
    this.capacity = R;
  }

  private adapter(l: number, p: LinearProjection): Adapter | null {
    if (!this.lora) return null;
    const slot = this.lora.slot(l, p);
    if (!slot) return null;
    const s = this.lora.settings;
    const site = (l * LINEAR_PROJECTIONS.length + LINEAR_PROJECTIONS.indexOf(p)) >>> 0;
    return {
      lora: this.lora,
      slot,
      scale: loraScale(s),
      dropout: this.dropoutOn ? s.dropout : 0,
      seed: (Math.imul(this.stepSeed ^ 0x85ebca6b, 0x9e3779b1) + site) >>> 0,
    };
  }

  /**
   * Forward pass over padded ids [B, T]; `seed` picks this step's dropout masks (`training` false: no
   * dropout, for evaluation and reference log-probabilities). Leaves the final hidden states for loss().
   */
  forward(ids: Int32Array, B: number, T: number, seed = 0, training = true): void {
    this.forwardRows(ids, paddedRows(B, T), seed, training);
  }

  /** Forward pass over a batch's rows as `layout` places its examples (a packed HfBatch is its own layout). */
  forwardRows(ids: Int32Array, layout: RowLayout, seed = 0, training = true): void {
    this.dropoutOn = training;
    const { k, arch: a, weights: w } = this.m;
    const R = layout.rows;
    this.ensure(R);
    this.layout = layout;
    this.stepSeed = seed;
    this.ids = ids;
    const d = a.hidden;
    const x = this.xfinal;
    gatherRowsW(k, ids, w.embed, x, R, d);
    const embedScale = embeddingScale(a);
    if (embedScale !== 1) scaleInPlace(x, R * d, embedScale);
    for (let l = 0; l < a.layers; l++) {
      if (this.checkpointed) this.layerInputs[l]?.set(x.subarray(0, R * d));
      this.layerForward(l, x);
    }
  }

  /** The saved activations of layer `l`: its own, or with checkpointing the one set every layer fills in turn. */
  private actsOf(l: number): LayerActs {
    const s = this.acts[this.checkpointed ? 0 : l];
    if (!s) throw new Error("layer out of range");
    return s;
  }

  /** Layer `l` on the residual stream `x` (updated in place), saving its activations for the backward pass. */
  private layerForward(l: number, x: Vec): void {
    const { k, arch: a, weights: w } = this.m;
    const R = this.layout.rows;
    const d = a.hidden;
    const hd = a.headDim;
    const rd = rotaryDim(a);
    const rs = residualScale(a);
    const qw = a.heads * hd;
    const kvw = a.kvHeads * hd;
    {
      const L = w.layers[l];
      const s = this.actsOf(l);
      if (!L) throw new Error("layer out of range");
      s.xin.set(x.subarray(0, R * d));
      k.rmsnormFwd(x, L.inputNorm, this.h, s.rstd1, R, d, a.rmsEps);
      const lf = (p: LinearProjection, input: Vec, out: Vec, accumulate: boolean) =>
        linearForward(k, L.proj[p], input, R, out, accumulate, this.adapter(l, p), s.us[p] ?? null, this.scratch);
      // x += p(input); with Gemma's output norm x += norm(p(input)) (out and rstd saved); with Granite's residual
      // multiplier x += m·p(input)
      const branch = (p: LinearProjection, input: Vec, outNorm: Vec | null | undefined, out: Vec | null, rstd: Vec | null) => {
        if (outNorm && out && rstd) {
          lf(p, input, out, false);
          k.rmsnormFwd(out, outNorm, this.h, rstd, R, d, a.rmsEps);
          addInPlace(x, this.h, R * d);
        } else if (rs !== 1) {
          lf(p, input, this.h, false);
          addScaled(x, this.h, rs, R * d);
        } else lf(p, input, x, true);
      };
      lf("q_proj", this.h, s.qpre ?? s.q, false);
      lf("k_proj", this.h, s.kpre ?? s.k, false);
      lf("v_proj", this.h, s.v, false);
      if (L.qNorm && L.kNorm && s.qpre && s.kpre && s.rstdq && s.rstdk) {
        k.rmsnormFwd(s.qpre, L.qNorm, s.q, s.rstdq, R * a.heads, hd, a.rmsEps);
        k.rmsnormFwd(s.kpre, L.kNorm, s.k, s.rstdk, R * a.kvHeads, hd, a.rmsEps);
      }
      const layout = this.layout;
      if (usesRope(a, l)) {
        const rope = layerRope(this.m, l);
        eachExample(layout, (first, B, T) => {
          k.rope(s.q.subarray(first * qw), qw, B, T, a.heads, hd, 0, rope.cos, rope.sin, false, rd);
          k.rope(s.k.subarray(first * kvw), kvw, B, T, a.kvHeads, hd, 0, rope.cos, rope.sin, false, rd);
        });
      }
      const scale = attentionScale(a);
      const window = attentionWindow(a, l);
      const softcap = attentionSoftcap(a);
      if (layout.uniform !== null) {
        const T = layout.uniform;
        if (T > 0)
          k.attentionFwd(s.q, qw, s.k, s.v, kvw, s.att, qw, null, layout.B, a.heads, T, T, hd, 0, scale, a.kvHeads, window, softcap);
      } else
        k.attentionFwdRows(
          s.q,
          qw,
          s.k,
          s.v,
          kvw,
          s.att,
          qw,
          layout.starts,
          layout.lengths,
          a.heads,
          hd,
          scale,
          a.kvHeads,
          window,
          softcap,
        );
      branch("o_proj", s.att, L.attnOutNorm, s.ao, s.rstd3);
      s.xmid.set(x.subarray(0, R * d));
      k.rmsnormFwd(x, L.postNorm, this.h, s.rstd2, R, d, a.rmsEps);
      lf("gate_proj", this.h, s.gate, false);
      lf("up_proj", this.h, s.up, false);
      gatedFwd(k, a, s.gate, s.up, this.act, R * a.intermediate);
      branch("down_proj", this.act, L.mlpOutNorm, s.mo, s.rstd4);
    }
  }

  /**
   * Cross-entropy of next-token targets with per-position weights (0 = no loss; negative weights
   * are allowed, as DPO needs), over the rows of the last forward(). With `grad`, the gradient of
   * Σ weight·loss is left for backward(). `rowSums[b]` (optional) receives Σ weight·loss of example b.
   */
  loss(targets: Int32Array, weights: Float32Array, grad: boolean, rowSums?: Float64Array): LossSums {
    const { k, arch: a, weights: w } = this.m;
    const R = this.layout.rows;
    const exampleOf = rowSums ? rowExamples(this.layout) : undefined;
    const d = a.hidden;
    const V = a.vocab;
    // Final norm into h (kept for the head's backward); rstdf saved.
    k.rmsnormFwd(this.xfinal, w.norm, this.h, this.rstdf, R, d, a.rmsEps);
    if (grad && this.full) this.full.flat.fill(0);
    if (grad) this.dh.fill(0, 0, R * d);
    // The head runs on the weighted rows only (the assistant tokens of a chat: often a tenth of the
    // batch), gathered into hSel; rows without loss keep a zero gradient.
    let nSel = 0;
    for (let i = 0; i < R; i++) if ((weights[i] as number) !== 0) this.sel[nSel++] = i;
    let lossSum = 0;
    let correctSum = 0;
    let weightSum = 0;
    for (let s0 = 0; s0 < nSel; s0 += LOSS_CHUNK_ROWS) {
      const n = Math.min(LOSS_CHUNK_ROWS, nSel - s0);
      const rows = this.sel.subarray(s0, s0 + n);
      for (let i = 0; i < n; i++) {
        const r = rows[i] as number;
        this.selTargets[i] = targets[r] as number;
        this.selWeights[i] = weights[r] as number;
      }
      k.gatherRows(rows, this.h, this.hSel, n, d);
      gemmW(k, false, true, n, V, d, this.hSel, d, w.lmHead, d, this.logits, V, false, null);
      // Granite divides the logits by logits_scaling
      const ls = logitScale(a);
      if (ls !== 1) scaleInPlace(this.logits, n * V, ls);
      // Gemma 2 caps the logits; crossEntropy overwrites them with their gradient, so the capped values are kept
      const cap = finalSoftcap(a);
      if (cap) {
        capLogits(this.logits, cap, n * V);
        if (grad) this.capped.set(this.logits.subarray(0, n * V));
      }
      k.crossEntropy(this.logits, this.selTargets, this.selWeights, this.losses, this.correct, n, V, grad);
      if (cap && grad) capLogitsBackward(this.capped, this.logits, cap, n * V);
      if (ls !== 1 && grad) scaleInPlace(this.logits, n * V, ls);
      for (let i = 0; i < n; i++) {
        const wi = this.selWeights[i] as number;
        const li = wi * (this.losses[i] as number);
        lossSum += li;
        if (rowSums && exampleOf) {
          const b = exampleOf[rows[i] as number] as number;
          rowSums[b] = (rowSums[b] as number) + li;
        }
        correctSum += wi * (this.correct[i] as number);
        weightSum += wi;
      }
      if (!grad) continue;
      gemmW(k, false, false, n, d, V, this.logits, V, w.lmHead, d, this.dhSel, d, false, null);
      k.scatterAddRows(rows, this.dhSel, this.dh, n, d);
      if (this.full) k.gemm(true, false, V, d, n, this.logits, V, this.hSel, d, this.full.grads.lmHead as Vec, d, true, null);
    }
    return { lossSum, correctSum, weightSum };
  }

  /** Gradients of the adapters (lora.grads, overwritten) from the loss gradient left by loss(grad = true). */
  backward(): void {
    const { k, arch: a, weights: w } = this.m;
    const R = this.layout.rows;
    const d = a.hidden;
    const hd = a.headDim;
    const rd = rotaryDim(a);
    const qw = a.heads * hd;
    const kvw = a.kvHeads * hd;
    this.lora?.grads.fill(0);
    const G = this.full?.grads;
    // Final norm: dh holds d(loss)/d(norm output).
    k.rmsnormBwd(this.dh, this.xfinal, w.norm, this.rstdf, this.dx, G?.norm ?? null, R, d, false);
    for (let l = a.layers - 1; l >= 0; l--) {
      const L = w.layers[l];
      if (this.checkpointed) {
        // the layer's forward again from its saved input (same dropout masks: they come from the step's seed)
        this.recomputeInput.set((this.layerInputs[l] as Vec).subarray(0, R * d));
        this.layerForward(l, this.recomputeInput);
      }
      const s = this.actsOf(l);
      if (!L) throw new Error("layer out of range");
      const GL = G?.layers[l];
      const lb = (p: LinearProjection, input: Vec, dy: Vec, dxOut: Vec | null, accumulate: boolean) => {
        linearBackward(k, L.proj[p], input, R, dy, dxOut, accumulate, this.adapter(l, p), s.us[p] ?? null, this.dus, this.scratch);
        const g = GL?.proj[p];
        if (!g) return;
        // Full fine-tuning: dW = dyᵀ·x, db = Σ rows of dy.
        k.gemm(true, false, g.out, g.in, R, dy, g.out, input, g.in, g.w as Vec, g.in, false, null);
        if (g.bias) k.colsum(dy, R, g.out, g.bias, false);
      };
      // MLP branch: x_out = xmid + down(swiglu(gate(h2), up(h2))), h2 = norm(xmid) (Gemma: + norm(down(geglu(…))).
      gatedFwd(k, a, s.gate, s.up, this.act, R * a.intermediate);
      lb("down_proj", this.act, this.branchGrad(L.mlpOutNorm ?? null, s.mo, s.rstd4, GL?.mlpOutNorm ?? null), this.dgate, false);
      gatedBwd(k, a, s.gate, s.up, this.dgate, this.dgate, this.dup, R * a.intermediate);
      k.rmsnormFwd(s.xmid, L.postNorm, this.h, s.rstd2, R, d, a.rmsEps);
      lb("gate_proj", this.h, this.dgate, this.dh, false);
      lb("up_proj", this.h, this.dup, this.dh, true);
      k.rmsnormBwd(this.dh, s.xmid, L.postNorm, s.rstd2, this.dx, GL?.postNorm ?? null, R, d, true);
      // Attention branch: xmid = xin + o(attn(rope(q), rope(k), v)), from h1 = norm(xin) (Gemma: + norm(o(…))).
      lb("o_proj", s.att, this.branchGrad(L.attnOutNorm ?? null, s.ao, s.rstd3, GL?.attnOutNorm ?? null), this.datt, false);
      // attentionBwd writes dq, dk and dv with one row stride (the query width); dk/dv are compacted after.
      const layout = this.layout;
      const scale = attentionScale(a);
      const window = attentionWindow(a, l);
      if (layout.uniform !== null) {
        const T = layout.uniform;
        if (T > 0)
          k.attentionBwd(
            s.q,
            qw,
            s.k,
            s.v,
            kvw,
            null,
            this.datt,
            qw,
            this.dq,
            this.dkWide,
            this.dvWide,
            qw,
            layout.B,
            a.heads,
            T,
            hd,
            scale,
            a.kvHeads,
            window,
            attentionSoftcap(a),
          );
      } else
        k.attentionBwdRows(
          s.q,
          qw,
          s.k,
          s.v,
          kvw,
          this.datt,
          qw,
          this.dq,
          this.dkWide,
          this.dvWide,
          qw,
          layout.starts,
          layout.lengths,
          a.heads,
          hd,
          scale,
          a.kvHeads,
          window,
          attentionSoftcap(a),
        );
      compact(this.dkWide, qw, this.dk, kvw, R);
      compact(this.dvWide, qw, this.dv, kvw, R);
      if (usesRope(a, l)) {
        const rope = layerRope(this.m, l);
        eachExample(this.layout, (first, B, T) => {
          k.rope(this.dq.subarray(first * qw), qw, B, T, a.heads, hd, 0, rope.cos, rope.sin, true, rd);
          k.rope(this.dk.subarray(first * kvw), kvw, B, T, a.kvHeads, hd, 0, rope.cos, rope.sin, true, rd);
        });
      }
      if (L.qNorm && L.kNorm && s.qpre && s.kpre && s.rstdq && s.rstdk) {
        k.rmsnormBwd(this.dq, s.qpre, L.qNorm, s.rstdq, this.dq, GL?.qNorm ?? null, R * a.heads, hd, false);
        k.rmsnormBwd(this.dk, s.kpre, L.kNorm, s.rstdk, this.dk, GL?.kNorm ?? null, R * a.kvHeads, hd, false);
      }
      k.rmsnormFwd(s.xin, L.inputNorm, this.h, s.rstd1, R, d, a.rmsEps);
      lb("q_proj", this.h, this.dq, this.dh, false);
      lb("k_proj", this.h, this.dk, this.dh, true);
      lb("v_proj", this.h, this.dv, this.dh, true);
      k.rmsnormBwd(this.dh, s.xin, L.inputNorm, s.rstd1, this.dx, GL?.inputNorm ?? null, R, d, true);
    }
    if (G) {
      const embedScale = embeddingScale(a);
      if (embedScale !== 1) scaleInPlace(this.dx, R * d, embedScale);
      k.scatterAddRows(this.ids, this.dx, G.embed as Vec, R, d);
    }
  }

  /**
   * The gradient a branch's last projection receives from dx: dx itself, times Granite's residual multiplier, or
   * through Gemma's output norm (into dOut; the norm's weight gradient into `dw` in full fine-tuning).
   */
  private branchGrad(outNorm: Vec | null, out: Vec | null, rstd: Vec | null, dw: Vec | null): Vec {
    const { k, arch: a } = this.m;
    const R = this.layout.rows;
    if (!outNorm || !out || !rstd) {
      // Granite's residual multiplier m: the branch's output reached x as m·out
      const rs = residualScale(a);
      if (rs === 1) return this.dx;
      for (let i = 0; i < R * a.hidden; i++) this.dOut[i] = rs * (this.dx[i] as number);
      return this.dOut;
    }
    k.rmsnormBwd(this.dx, out, outNorm, rstd, this.dOut, dw, R, a.hidden, false);
    return this.dOut;
  }
}

function addInPlace(x: Vec, y: Vec, n: number): void {
  for (let i = 0; i < n; i++) x[i] = (x[i] as number) + (y[i] as number);
}

function addScaled(x: Vec, y: Vec, scale: number, n: number): void {
  for (let i = 0; i < n; i++) x[i] = (x[i] as number) + scale * (y[i] as number);
}

/**
 * Calls `run(firstRow, B, T)` for RoPE, which restarts at position 0 in each example: once for the whole batch when
 * every example has the same rows (the padded form), else once per example with rows. (Attention takes the layout
 * itself: attentionFwdRows / attentionBwdRows run every example's heads in one parallel region.)
 */
function eachExample(layout: RowLayout, run: (first: number, B: number, T: number) => void): void {
  if (layout.uniform !== null) {
    if (layout.uniform > 0) run(0, layout.B, layout.uniform);
    return;
  }
  for (let b = 0; b < layout.B; b++) {
    const n = layout.lengths[b] as number;
    if (n > 0) run(layout.starts[b] as number, 1, n);
  }
}

/** Rows of `width` values from a buffer of stride `stride` into a contiguous one. */
function compact(from: Vec, stride: number, to: Vec, width: number, rows: number): void {
  if (stride === width) {
    to.set(from.subarray(0, rows * width));
    return;
  }
  for (let r = 0; r < rows; r++) to.set(from.subarray(r * stride, r * stride + width), r * width);
}
