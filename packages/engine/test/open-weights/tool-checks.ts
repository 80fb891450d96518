/**
 * The check the open-weight tool-calling tests share: a model tuned on mistral-v3-template.ts's CASES calls each tool as
 * trained, as OpenAI `tool_calls` (no content), streamed as one tool_calls delta and no content, and answers the
 * follow-up that carries the tool's result as trained.
 */
import type OpenAI from "openai";
import { expect } from "vitest";
import type { engineWithClient } from "../engine-client.ts";
import { CASES, TOOLS, toolCasesJsonl } from "./mistral-v3-template.ts";
import { expectLossFellTenfold, trainLosses, trainOnFile } from "./tuned-checks.ts";

const tools = TOOLS as unknown as OpenAI.Chat.ChatCompletionTool[];

/** What the tool-calling tests train the fixtures with (50 epochs of the 10 cases). */
const TOOL_HYPER = { n_epochs: 50, batch_size: 2, learning_rate_multiplier: 40, lora_rank: 8, lora_alpha: 16 } as const;

/**
 * Registers the base in `dir` as `name`, trains a LoRA job on the tool cases (OpenAI chat JSONL with tools, calls and
 * results), checks its loss fell tenfold and that the tuned model calls the tools as trained; returns that model.
 */
export async function trainToolCaller(ctx: Awaited<ReturnType<typeof engineWithClient>>, dir: string, name: string): Promise<string> {
  const job = await trainOnFile(ctx, { dir, name }, { name: "tools.jsonl", text: toolCasesJsonl() }, TOOL_HYPER, { seed: 5 });
  expectLossFellTenfold(await trainLosses(ctx.client, job.id));
  const model = job.fine_tuned_model ?? "";
  await expectCallsToolsAsTrained(ctx.client, model);
  return model;
}

export async function expectCallsToolsAsTrained(client: OpenAI, model: string): Promise<void> {
  for (const c of CASES) {
    const ask = { model, temperature: 0, max_tokens: 60, tools, messages: [{ role: "user" as const, content: c.user }] };
    const choice = (await client.chat.completions.create(ask)).choices[0];
    expect(choice?.finish_reason, c.user).toBe("tool_calls");
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toHaveLength(1);
    const call = (choice?.message.tool_calls ?? [])[0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name, c.user).toBe(c.name);
    expect(JSON.parse(call.function.arguments), c.user).toEqual(c.args);

    let streamedContent = "";
    const streamedCalls: OpenAI.Chat.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    for await (const chunk of await client.chat.completions.create({ ...ask, stream: true })) {
      streamedContent += chunk.choices[0]?.delta?.content ?? "";
      streamedCalls.push(...(chunk.choices[0]?.delta?.tool_calls ?? []));
    }
    expect(streamedContent, c.user).toBe("");
    expect(streamedCalls.map((d) => d.function)).toEqual([call.function]);

    const followUp = (
      await client.chat.completions.create({
        model,
        temperature: 0,
        max_tokens: 16,
        tools,
        messages: [
          { role: "user", content: c.user },
          { role: "assistant", content: null, tool_calls: [{ ...call, id: "call_0" }] },
          { role: "tool", tool_call_id: "call_0", content: c.result },
        ],
      })
    ).choices[0];
    expect(followUp?.finish_reason, c.user).toBe("stop");
    expect(followUp?.message.content, c.user).toBe(c.answer);
  }
}
