/**
 * Decoding with images agrees with training: the KV-cache decoder fed a prompt with an image gives the
 * logits the training forward pass computes at the prompt's last position (same patch rows, same
 * positions), and an image changes them.
 */
import { describe, expect, it } from "vitest";
import { nativeKernels } from "../kernels/native.ts";
import { forward } from "../model/forward.ts";
import { Transformer } from "../model/transformer.ts";
import { encodePromptWithImages } from "../tokenizer/chat-template.ts";
import { Tokenizer } from "../tokenizer/tokenizer.ts";
import { Rng } from "../train/rng.ts";
import { colorSquareExamples } from "../vision/color-squares.test-helpers.ts";
import { decodeExamples } from "../vision/decode-examples.ts";
import { batchImageRows, promptImageRows } from "../vision/image-rows.ts";
import { IMAGE_TOKENS, VISION, visionEncoding } from "../vision/spec.ts";
import { Decoder } from "./decoder.ts";

describe("decoding a prompt with an image", () => {
  it("equals the training forward pass at the prompt's last position", async () => {
    const k = nativeKernels();
    const tok = new Tokenizer([]);
    const spec = {
      name: "v",
      vocabSize: tok.vocabSize + IMAGE_TOKENS,
      dModel: 32,
      nLayers: 2,
      nHeads: 2,
      contextLength: 64,
      vision: VISION,
    };
    const model = new Transformer(spec, k);
    model.initialize(new Rng(1));
    const [a, b] = await decodeExamples(await colorSquareExamples(2, 8), "validation");
    const prompt = (e: typeof a) => encodePromptWithImages(tok, e?.messages.slice(0, 1) ?? [], undefined, visionEncoding(spec));
    const p = prompt(a);
    expect(p.images).toHaveLength(1);

    const decoded = new Decoder(model).feed(p.tokens, promptImageRows(k, VISION, p.images));
    const T = p.tokens.length;
    // The training window of an example is its tokens but the last: append one so the whole prompt is input.
    const example = {
      tokens: Int32Array.from([...p.tokens, 0]),
      lossMask: new Uint8Array(T + 1),
      promptMask: new Uint8Array(T + 1),
      images: p.images,
    };
    const images = batchImageRows(k, VISION, [example], [0], T, spec.contextLength);
    expect(images?.n).toBe(16);
    const ws = forward(model, Int32Array.from(p.tokens), 1, T, undefined, images);
    const full = ws.logits.subarray((T - 1) * spec.vocabSize, T * spec.vocabSize);
    let worst = 0;
    for (let i = 0; i < spec.vocabSize; i++) worst = Math.max(worst, Math.abs((full[i] as number) - (decoded[i] as number)));
    expect(worst).toBeLessThan(1e-4);

    // Another image (another colour and place) changes what the model sees.
    const other = prompt(b);
    const otherLogits = Float32Array.from(new Decoder(model).feed(other.tokens, promptImageRows(k, VISION, other.images)));
    expect(otherLogits.some((v, i) => Math.abs(v - (decoded[i] as number)) > 1e-4)).toBe(true);
  });
});
