/**
 * Granite 3 tool calling end to end. Granite's chat template writes the request's tools and only an assistant message's
 * `content`, and tells the model to answer with `<|tool_call|>` and a JSON list of calls; OpenAI `tool_calls` are given
 * to it in that form (hf/tokenizer/granite-tool-calls.ts). The `granite` fixture, copied with a short template of that
 * kind (its 256 positions do not hold Granite's own system text), is tuned with LoRA through the official SDK on OpenAI
 * chat JSONL with `tools`, assistant `tool_calls` and `tool` results; the tuned model then answers a request with
 * `tools` with `message.tool_calls` (streamed too), and answers the follow-up that carries the tool's result as trained.
 * Once with `<|tool_call|>` as text, once as one special token, as Granite's tokenizer has it (its text must still
 * reach the parser). The published Granite 3.3 template is checked in published-templates.test.ts.
 */
import { describe, expect, it } from "vitest";
import { assistantMask, HfTokenizer } from "../../src/hf/tokenizer/index.ts";
import { engineWithClient } from "../engine-client.ts";
import { CASES, caseMessages, fixtureWithTemplate, TOOLS, type ToolCase } from "./mistral-v3-template.ts";
import { trainToolCaller } from "./tool-checks.ts";

/** Granite 3's shape, shortened: tools in a turn of their own, the calls' marker named in the system text, content only. */
const GRANITE_LIKE_TEMPLATE = [
  "{%- if tools %}<|im_start|>system\nCall with <|tool_call|>:",
  "{% for t in tools %} {{ t.function.name }}{% endfor %}<|im_end|>\n{% endif %}",
  "{%- for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}",
  "{%- if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
].join("");
const MODEL = "tiny-granite-tools";

describe("Granite tool calling on an open-weight base", () => {
  it("trains a call as <|tool_call|> and its JSON list, and the answer to its result", async () => {
    const checkpoint = fixtureWithTemplate(GRANITE_LIKE_TEMPLATE, { fixture: "granite" });
    try {
      const tokenizer = await HfTokenizer.fromDirectory(checkpoint.dir);
      const mask = assistantMask(tokenizer, caseMessages(CASES[0] as ToolCase) as never, TOOLS as never);
      expect(mask.spans.map((s) => tokenizer.decode(mask.ids.slice(s.start, s.end)))).toEqual([
        '<|tool_call|>[{"arguments": {"city": "Paris"}, "name": "weather"}]<|im_end|>',
        "Yes, rain.<|im_end|>",
      ]);
    } finally {
      checkpoint.dispose();
    }
  });

  it.each([
    ["as text", false],
    ["as one special token", true],
  ] as const)(
    "a LoRA job on OpenAI JSONL with tools makes the model call them as trained, and answer the tool's result (<|tool_call|> %s)",
    async (_, special) => {
      const checkpoint = fixtureWithTemplate(GRANITE_LIKE_TEMPLATE, {
        fixture: "granite",
        specialToolCalls: special,
        toolCallToken: "<|tool_call|>",
      });
      const ctx = await engineWithClient({ checkpointEvery: 1000 });
      try {
        if (special) {
          const tokenizer = await HfTokenizer.fromDirectory(checkpoint.dir);
          const id = tokenizer.tokenToId("<|tool_call|>");
          expect(id !== undefined && tokenizer.isSpecial(id)).toBe(true);
        }
        await trainToolCaller(ctx, checkpoint.dir, MODEL);
      } finally {
        await ctx.dispose();
        checkpoint.dispose();
      }
    },
    180_000,
  );
});
