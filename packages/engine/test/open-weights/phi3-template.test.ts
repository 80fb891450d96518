/**
 * The Phi-3 chat format (test-templates.ts PHI3_TEMPLATE) on the phi3 fixture, its four markers made special tokens
 * as Phi-3's tokenizer has them: a reply trains on its text, `<|end|>` and the newline after it; the `eos_token` the
 * template writes after a conversation rendered whole (and only then) is not trained, so multi-turn examples train
 * in one sequence; a LoRA job through the SDK routes every ticket and stops at `<|end|>`. The format has no tools: a
 * chat completion with tools, or with tool calls in its history, is a 400 naming the field.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { assistantMask, HfTokenizer, renderChat } from "../../src/hf/tokenizer/index.ts";
import { PHI3_TEMPLATE } from "../../src/hf/tokenizer/test-templates.ts";
import { registerBaseModel } from "../../src/index.ts";
import { engineWithClient } from "../engine-client.ts";
import { FIXTURES } from "./reference.ts";
import { expectLossFellTenfold, expectRoutesTickets, ROUTER_HYPER, trainLosses, trainTicketRouter } from "./tuned-checks.ts";

/** The fixture's added tokens 457–460 renamed to Phi-3's markers (all special), eos `<|endoftext|>` as Phi-3.5's. */
const RENAMED: Record<number, string> = { 457: "<|user|>", 458: "<|end|>", 459: "<|assistant|>", 460: "<|system|>" };
const root = mkdtempSync(join(tmpdir(), "tunelab-phi3-template-"));
const dir = join(root, "phi3-template");
cpSync(join(FIXTURES, "phi3"), dir, { recursive: true });
const edit = (name: string, change: (json: Record<string, unknown>) => void) => {
  const json = JSON.parse(readFileSync(join(dir, name), "utf8")) as Record<string, unknown>;
  change(json);
  writeFileSync(join(dir, name), JSON.stringify(json, null, 2));
};
edit("tokenizer.json", (json) => {
  for (const t of json.added_tokens as Array<{ id: number; content: string; special: boolean }>)
    if (RENAMED[t.id]) Object.assign(t, { content: RENAMED[t.id], special: true });
});
edit("tokenizer_config.json", (json) => {
  const decoder = json.added_tokens_decoder as Record<string, { content: string; special: boolean }>;
  for (const [id, content] of Object.entries(RENAMED)) Object.assign(decoder[id] as object, { content, special: true });
  Object.assign(json, { chat_template: PHI3_TEMPLATE, eos_token: "<|endoftext|>", additional_special_tokens: Object.values(RENAMED) });
});
// Phi-3.5's generation_config: <|endoftext|>, <|assistant|> and <|end|> end a reply
edit("generation_config.json", (json) => Object.assign(json, { eos_token_id: [456, 459, 458] }));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the Phi-3 chat format", () => {
  it("trains a reply on its text, <|end|> and its newline, not the eos_token written after the whole conversation", async () => {
    const tokenizer = await HfTokenizer.fromDirectory(dir);
    const messages = [
      { role: "system" as const, content: "Route the ticket." },
      { role: "user" as const, content: "My invoice is wrong" },
      { role: "assistant" as const, content: "billing" },
      { role: "user" as const, content: "Error 500 when saving" },
      { role: "assistant" as const, content: "bug" },
    ];
    expect(renderChat(tokenizer, messages.slice(0, 2), { addGenerationPrompt: true })).toBe(
      "<|system|>\nRoute the ticket.<|end|>\n<|user|>\nMy invoice is wrong<|end|>\n<|assistant|>\n",
    );
    const mask = assistantMask(tokenizer, messages);
    expect(mask.oneTurn).toBeUndefined();
    const text = (s: { start: number; end: number }) => tokenizer.decode(mask.ids.slice(s.start, s.end), { skipSpecialTokens: false });
    expect(mask.spans.map(text)).toEqual(["billing<|end|>", "bug<|end|>"]);
    expect(tokenizer.decode(mask.ids, { skipSpecialTokens: false }).endsWith("bug<|end|>\n<|endoftext|>")).toBe(true);
  });

  it("answers a chat completion whose tools (or tool calls) the template would leave out with a 400 naming the field", async () => {
    const ctx = await engineWithClient({ checkpointEvery: 1000 });
    try {
      await registerBaseModel(ctx.engine.store, { dir, name: "tiny-phi3-tools" });
      const ask = (body: Record<string, unknown>) =>
        ctx.client.chat.completions
          .create({ model: "tiny-phi3-tools", max_tokens: 4, messages: [{ role: "user", content: "route" }], ...body } as never)
          .then(
            () => undefined,
            (e: { status?: number; param?: string; message?: string }) => e,
          );
      const tools = [{ type: "function", function: { name: "route_ticket", parameters: { type: "object" } } }];
      const refused = await ask({ tools });
      expect(refused).toMatchObject({ status: 400, param: "tools" });
      expect(refused?.message).toMatch(/chat template does not write tools/);
      const call = { id: "call_1", type: "function", function: { name: "route_ticket", arguments: "{}" } };
      const history = await ask({
        messages: [
          { role: "user", content: "route" },
          { role: "assistant", content: null, tool_calls: [call] },
          { role: "tool", tool_call_id: "call_1", content: "done" },
        ],
      });
      expect(history).toMatchObject({ status: 400, param: "messages" });
      expect(history?.message).toMatch(/does not write an assistant message's `tool_calls`/);
      // without tools the same model answers
      expect(await ask({})).toBeUndefined();
    } finally {
      await ctx.dispose();
    }
  });

  it("a LoRA job through the SDK routes every ticket", async () => {
    const ctx = await engineWithClient({ checkpointEvery: 1000 });
    try {
      const job = await trainTicketRouter(ctx, ROUTER_HYPER, { base: { dir, name: "tiny-phi3-template" } });
      expectLossFellTenfold(await trainLosses(ctx.client, job.id));
      await expectRoutesTickets(ctx.client, job.fine_tuned_model ?? "");
    } finally {
      await ctx.dispose();
    }
  }, 300_000);
});
