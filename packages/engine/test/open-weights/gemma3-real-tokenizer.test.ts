/**
 * A Gemma 3 checkpoint as the text-only ones ship: random small weights with the real 262,144-row vocabulary, Gemma 3's
 * own tokenizer.json and tokenizer_config.json (its chat template, `<end_of_turn>` as eos, `<image_soft_token>` at id
 * 262,144, past the embedding) and generation_config.json's eos [1, 106]. Through the official SDK it registers, a LoRA
 * job trains on OpenAI chat JSONL with a system message (the template writes it into the first user turn) and its loss
 * falls, and the tuned model answers with the prompt counted as Gemma's template and tokenizer make it, stopping at
 * `<end_of_turn>` or its token limit.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeRandomCheckpoint } from "../../src/hf/test-support/random-checkpoint.ts";
import { encodeChat } from "../../src/hf/tokenizer/index.ts";
import { loadTestTokenizer, testTokenizerDir } from "../../src/hf/tokenizer/test-tokenizers.ts";
import { engineWithClient } from "../engine-client.ts";
import { trainLosses, trainTicketRouter } from "./tuned-checks.ts";

const work = mkdtempSync(join(tmpdir(), "tunelab-gemma3-real-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const dir = join(work, "gemma-3-tiny-it");

function writeCheckpoint(): void {
  writeRandomCheckpoint(dir, { hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 1, vocab: 262_144 }, "gemma3", 5);
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) copyFileSync(join(testTokenizerDir("gemma3"), file), join(dir, file));
  rmSync(join(dir, "special_tokens_map.json"), { force: true });
  writeFileSync(join(dir, "generation_config.json"), JSON.stringify({ bos_token_id: 2, eos_token_id: [1, 106], pad_token_id: 0 }));
}

describe("a Gemma 3 checkpoint with Gemma's own tokenizer and template", () => {
  it("registers, trains through the SDK with a system message, and serves the tuned model", async () => {
    writeCheckpoint();
    const ctx = await engineWithClient({ checkpointEvery: 1000 });
    try {
      const job = await trainTicketRouter(
        ctx,
        { n_epochs: 3, batch_size: 5, learning_rate_multiplier: 10, lora_rank: 4 },
        {
          base: { dir, name: "gemma-3-tiny-it" },
        },
      );
      const losses = await trainLosses(ctx.client, job.id);
      expect(losses.at(-1)).toBeLessThan(losses[0] as number);
      const messages = [
        { role: "system" as const, content: "Route the ticket." },
        { role: "user" as const, content: "I was charged twice" },
      ];
      const reply = await ctx.client.chat.completions.create({
        model: job.fine_tuned_model ?? "",
        max_tokens: 4,
        messages,
        temperature: 0,
      });
      const gemma = await loadTestTokenizer("gemma3");
      // the prompt as Gemma's template writes it: <bos><start_of_turn>user\nRoute the ticket.\n\nI was charged twice…
      expect(reply.usage?.prompt_tokens).toBe(encodeChat(gemma, messages, { addGenerationPrompt: true }).length);
      expect(reply.choices[0]?.finish_reason).toMatch(/^(stop|length)$/);
      expect(reply.usage?.completion_tokens).toBeLessThanOrEqual(4);
    } finally {
      await ctx.dispose();
    }
  }, 300_000);
});
