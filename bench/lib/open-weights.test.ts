// bench/open-weights.ts on tiny shapes (a Qwen2 and a Gemma 3): our side's decoding and LoRA step, the ticket-routing
// plan, and (when Debian's python3-torch is installed) that the PyTorch peer computes what the engine computes on the
// same weights.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { normShift, parseHfConfig } from "../../packages/engine/src/hf/config.ts";
import type { DecoderModel } from "../../packages/engine/src/hf/model/decoder.ts";
import { HfDecoder } from "../../packages/engine/src/hf/model/decoder.ts";
import type { Matrix } from "../../packages/engine/src/hf/model/matrix.ts";
import { LINEAR_PROJECTIONS } from "../../packages/engine/src/hf/tensor-names.ts";
import { gemma3_270mConfig } from "../../packages/engine/src/hf/test-support/real-configs.ts";
import { nativeKernels } from "../../packages/engine/src/trainer/kernels/native.ts";
import type { Vec } from "../../packages/engine/src/trainer/kernels/types.ts";
import { generate, LoraStepper, measureLoraTraining, randomOpenWeightModel } from "./open-weights-ours.ts";
import { findTorchPython, type PeerCheck, type PeerTrain, runPeer } from "./open-weights-peer.ts";
import { type BenchShape, GEMMA3_270M, peerShapeArgs, shapeByName, TINY_GEMMA, TINY_SHAPE } from "./open-weights-shapes.ts";
import { autoPlan, estimateExampleTokens } from "./open-weights-ticket.ts";

const k = nativeKernels();
const TINY: readonly BenchShape[] = [TINY_SHAPE, TINY_GEMMA];
const dir = mkdtempSync(join(tmpdir(), "tunelab-open-weights-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const argmax = (v: Float32Array) => v.reduce((best, x, i) => (x > (v[best] as number) ? i : best), 0);

describe("the shapes", () => {
  it("Gemma-3-270M is what the engine reads from gemma-3-270m's config.json", () => {
    const config = gemma3_270mConfig();
    expect(GEMMA3_270M.arch).toEqual(parseHfConfig(config));
    expect(shapeByName("gemma3-270m")).toBe(GEMMA3_270M);
    expect(peerShapeArgs(GEMMA3_270M.arch).join(" ")).toContain("--gemma --embed-scale 25.25 --attn-scale 0.0625 --sliding-window 512");
  });
});

describe.each(TINY)("our side, $name", ({ arch }) => {
  it("generates with the KV cache the greedy tokens of recomputing the whole sequence", () => {
    const m = randomOpenWeightModel(arch, k, 64, 3, 0.5);
    const prompt = Int32Array.from([5, 17, 3, 88, 42, 9, 61]);
    const { tokens } = generate(m, prompt, 6);
    expect(tokens).toHaveLength(6);
    const whole = new HfDecoder(m, 64).feed([...prompt, ...tokens.slice(0, -1)], true);
    const again = tokens.map((_, i) => argmax(whole.subarray((prompt.length - 1 + i) * arch.vocab, (prompt.length + i) * arch.vocab)));
    expect(again).toEqual(tokens);
    expect(new Set(tokens).size).toBeGreaterThan(1);
  });

  it("takes LoRA steps that move the adapters from where they start", () => {
    const m = randomOpenWeightModel(arch, k, 64, 4, 0.5);
    const stepper = new LoraStepper(m);
    const before = Float32Array.from(stepper.lora.params);
    const slot = stepper.lora.layout.slots[0];
    if (!slot) throw new Error("no adapter slots");
    expect(stepper.lora.B(slot).every((x) => x === 0)).toBe(true);
    const r = measureLoraTraining(stepper, { B: 2, T: 16, steps: 2, warmup: 1 });
    expect(r.stepSeconds).toHaveLength(2);
    expect(r.losses).toHaveLength(3);
    for (const loss of r.losses) expect(Number.isFinite(loss) && loss > 0).toBe(true);
    expect(r.adapterParams).toBe(stepper.lora.params.length);
    expect(stepper.lora.layout.slots).toHaveLength(arch.layers * LINEAR_PROJECTIONS.length);
    expect(stepper.lora.B(slot).some((x) => x !== 0)).toBe(true);
    expect(stepper.lora.params.some((x, i) => x !== before[i])).toBe(true);
    // With the loss on each row's last 3 positions only, the step still trains (the head sees those rows only).
    const mid = Float32Array.from(stepper.lora.params);
    const reply = measureLoraTraining(stepper, { B: 2, T: 16, steps: 1, warmup: 0, lossPositions: 3 });
    expect(Number.isFinite(reply.losses[0]) && (reply.losses[0] as number) > 0).toBe(true);
    expect(stepper.lora.params.some((x, i) => x !== mid[i])).toBe(true);
  });
});

describe("the ticket-routing plan", () => {
  it("estimates tokens as characters / 4 plus ChatML per message and resolves auto as the engine does", () => {
    const file = join(dir, "train.jsonl");
    const line = (user: string) =>
      JSON.stringify({
        messages: [
          { role: "user", content: user },
          { role: "assistant", content: "abcd" },
        ],
      });
    writeFileSync(file, `${Array.from({ length: 10 }, (_, i) => line("x".repeat(8 * (i + 1)))).join("\n")}\n`);
    expect(estimateExampleTokens(file)).toEqual(Array.from({ length: 10 }, (_, i) => ({ total: 2 * (i + 1) + 4 + 1 + 4, assistant: 2 })));
    const plan = autoPlan(file);
    // OpenAI's rule: 10 examples × 3 epochs < 100 seen, so 10 epochs; batch 4 below 200 examples.
    expect(plan).toMatchObject({ examples: 10, epochs: 10, batch: 4, steps: 30, maxTokens: 29, meanAssistantTokens: 2 });
    expect(plan.meanPaddedT).toBeGreaterThan(10);
    expect(plan.meanPaddedT).toBeLessThanOrEqual(28);
  });

  it("names the file and line of a bad example", () => {
    const file = join(dir, "bad.jsonl");
    writeFileSync(file, '{"messages":[]}\n{"messages":\n');
    expect(() => estimateExampleTokens(file)).toThrow(`${file}:2: not JSON`);
  });
});

/** Our weights in the order of the peer's Model.tensors(); Gemma's norms as Gemma stores them (w, not the 1 + w we hold). */
function weightsFile(m: DecoderModel, path: string): void {
  const w = m.weights;
  const shift = normShift(m.arch);
  const norm = (v: Vec) => Float32Array.from(v, (x) => x - shift);
  const f32 = (x: Matrix): Vec => {
    if (!(x instanceof Float32Array)) throw new Error("float32 weights expected (randomOpenWeightModel's default)");
    return x;
  };
  const parts: Vec[] = [f32(w.embed)];
  for (const L of w.layers) {
    parts.push(norm(L.inputNorm), norm(L.postNorm));
    if (m.arch.gemma) {
      const { attnOutNorm, mlpOutNorm, qNorm, kNorm } = L;
      if (!attnOutNorm || !mlpOutNorm || !qNorm || !kNorm) throw new Error("a Gemma layer without its norms");
      parts.push(norm(attnOutNorm), norm(mlpOutNorm), norm(qNorm), norm(kNorm));
    }
    parts.push(...LINEAR_PROJECTIONS.map((p) => f32(L.proj[p].w)));
    for (const p of ["q_proj", "k_proj", "v_proj"] as const) {
      const bias = L.proj[p].bias;
      if (bias) parts.push(bias);
    }
  }
  parts.push(norm(w.norm));
  if (!m.arch.tiedEmbeddings) parts.push(f32(w.lmHead));
  writeFileSync(path, Buffer.concat(parts.map((v) => Buffer.from(Float32Array.from(v).buffer))));
}

const python = findTorchPython();

describe.skipIf(!python).each(TINY)("the PyTorch peer (python3-torch installed), $name", ({ arch }) => {
  it("computes the engine's logits and greedy tokens on the same weights", async () => {
    const m = randomOpenWeightModel(arch, k, 64, 5, 0.5);
    const file = join(dir, "weights.f32");
    weightsFile(m, file);
    // Longer than the tiny Gemma's window (4): its local layers see part of the prompt, in prefill and in decoding.
    const ids = [5, 17, 3, 88, 42, 9, 61, 0, 96];
    const peer = (await runPeer(python as string, arch, { mode: "check", weights: file, ids, newTokens: 6 })) as PeerCheck;
    const ours = new HfDecoder(m, 64).feed(ids);
    expect(peer.logits).toHaveLength(arch.vocab);
    const scale = Math.max(...Array.from(ours, Math.abs));
    for (let i = 0; i < arch.vocab; i++) expect(Math.abs((peer.logits[i] as number) - (ours[i] as number))).toBeLessThan(1e-4 * scale);
    expect(peer.tokens).toEqual(generate(m, Int32Array.from(ids), 6).tokens);
  });

  it("takes the LoRA step on the tiny shape", async () => {
    const r = (await runPeer(python as string, arch, { mode: "train", B: 2, T: 16, steps: 1, warmup: 1 })) as PeerTrain;
    expect(r.step_seconds).toHaveLength(1);
    expect(r.losses).toHaveLength(2);
    for (const loss of r.losses) expect(Number.isFinite(loss) && loss > 0).toBe(true);
    expect(r.adapter_params).toBe(new LoraStepper(randomOpenWeightModel(arch, k, 64)).lora.params.length);
  });
});
