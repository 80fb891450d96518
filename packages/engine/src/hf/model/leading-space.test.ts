/**
 * A SentencePiece tokenizer's decoder (Llama 2, Mistral v0.1–v0.3: `Strip` one leading space, or `Metaspace`) drops the
 * space that begins a decoded text, so Hugging Face's decode of a model's generated ids has no leading space where the
 * pieces' bytes have one (`▁Yes` is " Yes"). A completion's content follows Hugging Face, checked against the tokenizer
 * library's own decode of greedy ids computed here separately; byte-level tokenizers (Llama 3, Qwen) keep every space.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import { chatCodec, decoderStripsLeadingSpace } from "../chat-codec.ts";
import { randomDecoderModel, TINY_ARCH } from "../test-support/random-model.ts";
import { HfTokenizer } from "../tokenizer/hf-tokenizer.ts";
import { loadTestTokenizer, modelDirWith, testTokenizerDir } from "../tokenizer/test-tokenizers.ts";
import { HfDecoder } from "./decoder.ts";
import { generateHf } from "./generate.ts";

const k = nativeKernels();

/** Mistral 7B's tokenizer with a Mistral v0.1-style template (the package has none). */
const config = JSON.parse(readFileSync(join(testTokenizerDir("mistral"), "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
const mistral = modelDirWith("mistral", {
  "tokenizer_config.json": JSON.stringify({
    ...config,
    chat_template:
      "{{ bos_token }}{% for m in messages %}{% if m.role == 'user' %}{{ '[INST] ' + m.content + ' [/INST]' }}{% else %}{{ m.content + eos_token }}{% endif %}{% endfor %}",
  }),
});
afterAll(() => mistral.dispose());

describe("the leading space of a completion", () => {
  it("is dropped for tokenizers whose decoder drops it (Mistral's Strip) and kept for byte-level ones (Llama 3)", async () => {
    const sp = await HfTokenizer.fromDirectory(mistral.dir);
    expect(sp.decode(sp.encode("Yes, billing", { addSpecialTokens: false }))).toBe("Yes, billing");
    expect(decoderStripsLeadingSpace(sp)).toBe(true);
    expect(decoderStripsLeadingSpace(await loadTestTokenizer("llama3"))).toBe(false);
  });

  it("as Hugging Face's decode of the generated ids gives it", async () => {
    const tokenizer = await HfTokenizer.fromDirectory(mistral.dir);
    const codec = chatCodec(tokenizer);
    const arch = { ...TINY_ARCH, vocab: tokenizer.vocabSize, maxPositions: 64 };
    const messages = [{ role: "user" as const, content: "Route the ticket: I was charged twice" }];
    const prompt = codec.encodeChat(messages, undefined);
    let checked = 0;
    for (let seed = 1; seed <= 12 && checked < 3; seed++) {
      const model = randomDecoderModel(arch, k, seed);
      // greedy ids, computed here: the prompt, then the most likely token at each step
      const decoder = new HfDecoder(model, prompt.length + 8);
      let logits = decoder.feed(prompt);
      const ids: number[] = [];
      for (let t = 0; t < 8; t++) {
        let best = 0;
        for (let j = 1; j < arch.vocab; j++) if ((logits[j] as number) > (logits[best] as number)) best = j;
        if (codec.eosIds.has(best)) break;
        ids.push(best);
        logits = decoder.feed([best]);
      }
      // only models whose answer begins with a piece that carries a space test the rule
      if (ids.length === 0 || codec.tokenBytes(ids[0] as number)[0] !== 0x20) continue;
      checked++;
      const completion = generateHf(model, codec, messages, undefined, { maxTokens: ids.length, temperature: 0, topP: 1 });
      const hf = tokenizer.decode(ids, { skipSpecialTokens: true });
      expect(hf.startsWith(" ")).toBe(false);
      expect(completion.text).toBe(hf);
      // streamed, the pieces add up to the same text
      const pieces: string[] = [];
      generateHf(model, codec, messages, undefined, { maxTokens: ids.length, temperature: 0, topP: 1 }, (piece) => {
        pieces.push(piece);
      });
      expect(pieces.join("")).toBe(hf);
    }
    expect(checked).toBe(3);
  });
});
