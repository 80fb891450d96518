/**
 * Mistral v0.3-style tool calling end to end: the `mistral` fixture, copied with Mistral 7B Instruct v0.3's chat template
 * (mistral-v3-template.ts), is tuned with LoRA through the official SDK on OpenAI chat JSONL with `tools`, assistant
 * `tool_calls` and `tool` results; the tuned model then answers a request with `tools` with `message.tool_calls` (the
 * trained function and arguments, `finish_reason: "tool_calls"`), and answers the follow-up turn that carries the tool's
 * result as trained.
 *
 * The fixture's tokenizer has no `[INST]`, `[TOOL_CALLS]` or `[TOOL_RESULTS]` tokens, so the template's control strings
 * are ordinary text: the model writes `[TOOL_CALLS]` piece by piece, the engine reads the call from the decoded text,
 * and generation ends at the fixture's eos token `<|im_end|>`, which the template writes after the calls and after an
 * answer. The job runs again with `[TOOL_CALLS]` as one special token, as Mistral's own tokenizer has it: special
 * tokens are not content, but the tokens that write tool calls still reach the parser as text.
 */
import type OpenAI from "openai";
import { afterAll, describe, expect, it } from "vitest";
import { assistantMask, HfTokenizer, renderChat } from "../../src/hf/tokenizer/index.ts";
import { engineWithClient } from "../engine-client.ts";
import { CASES, caseMessages, mistralV3Checkpoint, TOOLS, type ToolCase, toolCasesJsonl } from "./mistral-v3-template.ts";
import { expectLossFellTenfold, expectRoutesTickets, ROUTER_HYPER, trainLosses, trainOnFile, trainTicketRouter } from "./tuned-checks.ts";

const MODEL = "tiny-mistral-v3";
const HYPER = { n_epochs: 50, batch_size: 2, learning_rate_multiplier: 25, lora_rank: 8, lora_alpha: 16 } as const;

const checkpoint = mistralV3Checkpoint();
afterAll(() => checkpoint.dispose());

const tools = TOOLS as unknown as OpenAI.Chat.ChatCompletionTool[];
const asMessages = (messages: Array<Record<string, unknown>>) => messages as unknown as OpenAI.Chat.ChatCompletionMessageParam[];

describe("Mistral v0.3 tool calling on an open-weight base", () => {
  it("renders the v0.3 tool format and trains on exactly the calls and answers", async () => {
    const tokenizer = await HfTokenizer.fromDirectory(checkpoint.dir);
    const [first] = CASES as [ToolCase];
    const messages = caseMessages(first) as never;
    const prompt = renderChat(tokenizer, [caseMessages(first)[0]] as never, { tools: TOOLS as never, addGenerationPrompt: true });
    expect(prompt).toBe(
      '[AVAILABLE_TOOLS] [{"type": "function", "function": {"name": "weather"}}, {"type": "function", "function": {"name": "timer"}}, ' +
        '{"type": "function", "function": {"name": "light"}}][/AVAILABLE_TOOLS][INST] rain in Paris?[/INST]',
    );
    const mask = assistantMask(tokenizer, messages, TOOLS as never);
    // OpenAI's id `call_0` reaches the template as 9 letters and digits, the same for the call and for its result.
    const text = (span: { start: number; end: number }) => tokenizer.decode(mask.ids.slice(span.start, span.end));
    expect(mask.spans.map(text)).toEqual([
      expect.stringMatching(
        /^\[TOOL_CALLS\] \[\{"name": "weather", "arguments": \{"city": "Paris"\}, "id": "[A-Za-z0-9]{9}"\}\]<\|im_end\|>$/,
      ),
      " Yes, rain.<|im_end|>",
    ]);
    const id = /"id": "([A-Za-z0-9]{9})"/.exec(text(mask.spans[0] as { start: number; end: number }))?.[1];
    const whole = tokenizer.decode(mask.ids);
    expect(whole).toContain(`[TOOL_RESULTS] {"content": "rain", "call_id": "${id}"}[/TOOL_RESULTS]`);
    // Only the two assistant turns carry loss, and every sequence fits the fixture's 256 positions.
    expect(mask.weights.reduce((a, b) => a + b, 0)).toBe(mask.spans.reduce((n, s) => n + s.end - s.start, 0));
    for (const c of CASES) expect(assistantMask(tokenizer, caseMessages(c) as never, TOOLS as never).ids.length).toBeLessThanOrEqual(256);
  });

  // Mistral's own tokenizer has `[TOOL_CALLS]` as one special token, whose text the engine must still give the parser
  it.each([
    ["as text", false],
    ["as one special token", true],
  ] as const)(
    "a LoRA job on OpenAI JSONL with tools makes the model call them as trained, and answer the tool's result ([TOOL_CALLS] %s)",
    async (_, special) => {
      const ckpt = special ? mistralV3Checkpoint({ specialToolCalls: true }) : checkpoint;
      const ctx = await engineWithClient({ checkpointEvery: 1000 });
      try {
        if (special) {
          const tokenizer = await HfTokenizer.fromDirectory(ckpt.dir);
          const id = tokenizer.tokenToId("[TOOL_CALLS]");
          expect(id !== undefined && tokenizer.isSpecial(id)).toBe(true);
          expect(tokenizer.encode("[/INST][TOOL_CALLS] [", { addSpecialTokens: false })).toContain(id);
        }
        const job = await trainOnFile(ctx, { dir: ckpt.dir, name: MODEL }, { name: "tools.jsonl", text: toolCasesJsonl() }, HYPER, {
          seed: 5,
        });
        const model = job.fine_tuned_model ?? "";
        expectLossFellTenfold(await trainLosses(ctx.client, job.id));

        for (const c of CASES) {
          const reply = await ctx.client.chat.completions.create({
            model,
            temperature: 0,
            max_tokens: 80,
            tools,
            messages: [{ role: "user", content: c.user }],
          });
          const choice = reply.choices[0];
          expect(choice?.finish_reason, c.user).toBe("tool_calls");
          expect(choice?.message.content).toBeNull();
          const calls = choice?.message.tool_calls ?? [];
          expect(calls).toHaveLength(1);
          const call = calls[0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
          expect(call.type).toBe("function");
          expect(call.id).toMatch(/^call_/);
          expect(call.function.name, c.user).toBe(c.name);
          expect(JSON.parse(call.function.arguments), c.user).toEqual(c.args);

          // Streamed, the call comes as a tool_calls delta and none of its text as content.
          const stream = await ctx.client.chat.completions.create({
            model,
            temperature: 0,
            max_tokens: 80,
            tools,
            messages: [{ role: "user", content: c.user }],
            stream: true,
          });
          let streamedContent = "";
          const streamedCalls: OpenAI.Chat.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
          let streamedFinish: string | null | undefined;
          for await (const chunk of stream) {
            const delta = chunk.choices[0]?.delta;
            streamedContent += delta?.content ?? "";
            streamedCalls.push(...(delta?.tool_calls ?? []));
            streamedFinish = chunk.choices[0]?.finish_reason ?? streamedFinish;
          }
          expect(streamedContent, c.user).toBe("");
          expect(streamedFinish).toBe("tool_calls");
          expect(streamedCalls.map((d) => d.function)).toEqual([call.function]);

          // The follow-up carries the call and the tool's result. With the conversation's id as trained (`call_0`), the
          // prompt is held in and the model answers as trained. The template writes the answer as " " + content|trim,
          // and the fixture's byte-level tokenizer keeps that space as text.
          const followUp = (id: string) =>
            ctx.client.chat.completions.create({
              model,
              temperature: 0,
              max_tokens: 16,
              tools,
              messages: asMessages([
                { role: "user", content: c.user },
                { role: "assistant", content: null, tool_calls: [{ ...call, id }] },
                { role: "tool", tool_call_id: id, content: c.result },
              ]),
            });
          const trained = (await followUp("call_0")).choices[0];
          expect(trained?.finish_reason, c.user).toBe("stop");
          expect(trained?.message.tool_calls ?? []).toEqual([]);
          expect(trained?.message.content?.trim(), c.user).toBe(c.answer);
          // With the id the engine returned, the template is given it as 9 letters and digits too, for the call and for the
          // result alike (it raises on any other id, as it would on `call_0`). The prompt differs from the trained ones
          // there, so only that it renders and completes is checked, not the words of this random-weight model.
          const returned = (await followUp(call.id)).choices[0];
          expect(returned?.message.role).toBe("assistant");
          expect(["stop", "length"]).toContain(returned?.finish_reason);
        }
      } finally {
        await ctx.dispose();
        if (special) ckpt.dispose();
      }
    },
    120_000,
  );

  it("trains conversations with a system message, which the template writes only into a final user message, on the prompt the model sees", async () => {
    const ctx = await engineWithClient({ checkpointEvery: 1000 });
    try {
      const job = await trainTicketRouter(ctx, ROUTER_HYPER, { base: { dir: checkpoint.dir, name: MODEL } });
      expectLossFellTenfold(await trainLosses(ctx.client, job.id));
      const notices = [];
      for await (const e of ctx.client.fineTuning.jobs.listEvents(job.id, { limit: 1000 }))
        if (e.message.includes("train turn by turn")) notices.push(e);
      expect(notices.map((e) => [e.level, e.data])).toEqual([["info", { turn_by_turn_examples: 10, turn_sequences: 10 }]]);
      // the system message reaches the model as trained: each ticket is routed (the template writes " " + the answer,
      // and this fixture's byte-level tokenizer keeps that space)
      await expectRoutesTickets(ctx.client, job.fine_tuned_model ?? "", { trim: true });
    } finally {
      await ctx.dispose();
    }
  }, 120_000);
});
