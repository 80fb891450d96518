/**
 * Reasoning models served as OpenAI serves its own: the content is the answer alone, so graders score the answer, and
 * the reasoning is `message.reasoning_content` (where DeepSeek's API and vLLM put it), counted in
 * `usage.completion_tokens_details.reasoning_tokens`. A LoRA job through the SDK on the qwen3 fixture with a template of
 * Qwen3's kind (the model writes `<think>` … `</think>` before its answer; earlier turns lose their reasoning), trained
 * on tickets answered after a line of reasoning, answers each ticket's team as content, streamed too (the reasoning as
 * `delta.reasoning_content`); and one of the R1
 * distills' kind (the prompt opens `<think>`), trained on answers alone, answers in the block it is prompted with: that
 * text is its answer.
 */
import type OpenAI from "openai";
import { afterAll, describe, expect, it } from "vitest";
import { engineWithClient, refusal } from "../engine-client.ts";
import { fixtureWithTemplate } from "./mistral-v3-template.ts";
import { TICKETS, ticketsJsonl } from "./tickets.ts";
import { expectLossFellTenfold, ROUTER_HYPER, trainLosses, trainOnFile } from "./tuned-checks.ts";

/** Qwen3's way, shortened: ChatML; an assistant turn before the last loses what it wrote before `</think>`. */
const QWEN3_LIKE = [
  "{%- for m in messages %}{%- set content = m.content %}",
  "{%- if m.role == 'assistant' and not loop.last and '</think>' in content %}",
  "{%- set content = content.split('</think>')[-1].lstrip('\\n') %}{%- endif %}",
  "{{- '<|im_start|>' + m.role + '\\n' + content + '<|im_end|>\\n' }}{%- endfor %}",
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}",
  "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}{%- endif %}",
].join("");
/** The R1 distills' way, shortened: every assistant turn loses its reasoning, and the prompt opens a block. */
const R1_LIKE = [
  "{%- for m in messages %}{%- set content = m.content %}",
  "{%- if m.role == 'assistant' and '</think>' in content %}{%- set content = content.split('</think>')[-1] %}{%- endif %}",
  "{{- '<|im_start|>' + m.role + '\\n' + content + '<|im_end|>\\n' }}{%- endfor %}",
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n<think>\\n' }}{%- endif %}",
].join("");

const REASONS: Record<string, string> = { billing: "Money.", bug: "Broken.", account: "Login." };
const withReasoning = TICKETS.map(([user, team]) => [user, `<think>\n${REASONS[team]}\n</think>\n\n${team}`] as const);

let ctx: Awaited<ReturnType<typeof engineWithClient>> | undefined;
const checkpoints: Array<{ dispose: () => void }> = [];
afterAll(async () => {
  await ctx?.dispose();
  for (const c of checkpoints) c.dispose();
});

const ask = (client: OpenAI, model: string, user: string) =>
  client.chat.completions.create({
    model,
    temperature: 0,
    max_tokens: 48,
    messages: [
      { role: "system", content: "Route the ticket." },
      { role: "user", content: user },
    ],
  });

describe("reasoning models", () => {
  it("Qwen3's kind: the answer is the content, the reasoning is reasoning_content and counted in usage", async () => {
    ctx = await engineWithClient({ checkpointEvery: 1000 });
    const checkpoint = fixtureWithTemplate(QWEN3_LIKE, { fixture: "qwen3" });
    checkpoints.push(checkpoint);
    const job = await trainOnFile(
      ctx,
      { dir: checkpoint.dir, name: "tiny-qwen3-thinking" },
      { name: "tickets.jsonl", text: ticketsJsonl(withReasoning) },
      { ...ROUTER_HYPER, n_epochs: 40 },
      { seed: 3 },
    );
    expectLossFellTenfold(await trainLosses(ctx.client, job.id));
    const model = job.fine_tuned_model ?? "";
    for (const [user, team] of TICKETS) {
      const r = await ask(ctx.client, model, user);
      const message = r.choices[0]?.message as OpenAI.Chat.ChatCompletionMessage & { reasoning_content?: string };
      expect(message.content, user).toBe(team);
      expect(message.reasoning_content, user).toBe(REASONS[team]);
      const details = r.usage?.completion_tokens_details;
      expect(details?.reasoning_tokens).toBeGreaterThan(0);
      expect(details?.reasoning_tokens).toBeLessThan(r.usage?.completion_tokens ?? 0);
      let streamed = "";
      let streamedReasoning = "";
      for await (const chunk of await ctx.client.chat.completions.create({
        model,
        temperature: 0,
        max_tokens: 48,
        stream: true,
        messages: [
          { role: "system", content: "Route the ticket." },
          { role: "user", content: user },
        ],
      })) {
        const delta = chunk.choices[0]?.delta as
          | (OpenAI.Chat.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string })
          | undefined;
        streamed += delta?.content ?? "";
        streamedReasoning += delta?.reasoning_content ?? "";
      }
      // the reasoning streams as reasoning_content (as DeepSeek's API and vLLM stream it), then the answer as content
      expect(streamed, user).toBe(team);
      expect(streamedReasoning, user).toBe(REASONS[team]);
    }
    // cut off while reasoning: no answer yet
    const cut = await ctx.client.chat.completions.create({
      model,
      temperature: 0,
      max_tokens: 2,
      messages: [{ role: "user", content: "My invoice is wrong" }],
    });
    expect(cut.choices[0]?.finish_reason).toBe("length");
    expect(cut.choices[0]?.message.content).toBe("");

    // thinking off, as Qwen3's template does it (an empty block in the prompt): reasoning_effort "none" or "minimal",
    // or vLLM's chat_template_kwargs; "high" and no effort leave the template's default
    const promptTokens = async (extra: Record<string, unknown>) =>
      (
        await ctx?.client.chat.completions.create({
          ...({ model, max_tokens: 1, messages: [{ role: "user", content: "Hi" }] } as const),
          ...extra,
        })
      )?.usage?.prompt_tokens;
    const thinking = await promptTokens({});
    expect(await promptTokens({ reasoning_effort: "high" })).toBe(thinking);
    const off = await promptTokens({ reasoning_effort: "none" });
    expect(off).toBeGreaterThan(thinking ?? 0);
    expect(await promptTokens({ reasoning_effort: "minimal" })).toBe(off);
    expect(await promptTokens({ chat_template_kwargs: { enable_thinking: false } })).toBe(off);
    const reserved = await refusal(promptTokens({ chat_template_kwargs: { messages: [] } }));
    expect(reserved.status).toBe(400);
    expect(reserved.param).toBe("chat_template_kwargs");
  }, 240_000);

  it("the R1 distills' kind, tuned on answers alone: the answer written in the block its prompt opens is the content", async () => {
    ctx ??= await engineWithClient({ checkpointEvery: 1000 });
    const checkpoint = fixtureWithTemplate(R1_LIKE, { fixture: "qwen3" });
    checkpoints.push(checkpoint);
    const job = await trainOnFile(
      ctx,
      { dir: checkpoint.dir, name: "tiny-r1-like" },
      { name: "tickets.jsonl", text: ticketsJsonl() },
      ROUTER_HYPER,
      {
        seed: 3,
      },
    );
    const model = job.fine_tuned_model ?? "";
    for (const [user, team] of TICKETS) {
      const message = (await ask(ctx.client, model, user)).choices[0]?.message as OpenAI.Chat.ChatCompletionMessage & {
        reasoning_content?: string;
      };
      expect(message.content, user).toBe(team);
      expect(message.reasoning_content).toBeUndefined();
    }
  }, 240_000);
});
