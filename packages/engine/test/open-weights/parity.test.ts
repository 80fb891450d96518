/**
 * Open-weight architectures against the independent PyTorch reference: prompt token ids exactly,
 * next-token log-probabilities to ≤ 1e-3, greedy continuations token for token — through
 * `/v1/chat/completions` with `logprobs` and the official SDK, after `registerBaseModel`. Each fixture is also
 * registered as an F16 copy (`NAME-f16`, kept as IEEE halves in memory), held to the same reference.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBaseModel } from "../../src/index.ts";
import { engineWithClient } from "../engine-client.ts";
import { writeF16Copy } from "./f16-copy.ts";
import { FIXTURES, openaiMessages, reference } from "./reference.ts";

const F16 = "-f16";
let ctx: Awaited<ReturnType<typeof engineWithClient>>;
let f16Dir: string | undefined;
beforeAll(async () => {
  ctx = await engineWithClient({ runJobs: false });
  f16Dir = mkdtempSync(join(tmpdir(), "tunelab-parity-f16-"));
  for (const name of Object.keys(reference.models)) {
    await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}${name}`, name });
    writeF16Copy(`${FIXTURES}${name}`, join(f16Dir, name));
    await registerBaseModel(ctx.engine.store, { dir: join(f16Dir, name), name: `${name}${F16}` });
  }
});
afterAll(async () => {
  await ctx?.dispose();
  if (f16Dir) rmSync(f16Dir, { recursive: true, force: true });
});

const cases = Object.entries(reference.models).flatMap(([model, m]) =>
  m.results.flatMap((r) => [[model, r.conversation, m.architecture] as const, [`${model}${F16}`, r.conversation, m.architecture] as const]),
);

describe("open-weight models match the PyTorch reference", () => {
  it("are listed by GET /v1/models with their architecture", async () => {
    const ids = [];
    for await (const m of ctx.client.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(Object.keys(reference.models)));
    const one = (await ctx.client.models.retrieve("qwen3")) as unknown as { tunelab: { architecture: string } };
    expect(one.tunelab.architecture).toBe("Qwen3ForCausalLM");
  });

  it.each(cases)("%s on %s (%s): prompt ids, logprobs and greedy tokens", async (model, conversationName) => {
    const conversation = reference.conversations.find((c) => c.name === conversationName);
    const fixture = reference.models[model.replace(F16, "")];
    const expected = fixture?.results.find((r) => r.conversation === conversationName);
    if (!conversation || !expected) throw new Error("fixture missing");
    const steps = expected.greedy.token_ids.length;
    const completion = await ctx.client.chat.completions.create({
      model,
      messages: openaiMessages(conversation) as never,
      ...(conversation.tools ? { tools: conversation.tools as never } : {}),
      temperature: 0,
      max_completion_tokens: steps,
      logprobs: true,
      top_logprobs: 5,
    });
    expect(completion.usage?.prompt_tokens).toBe(conversation.token_ids.length);
    const content = completion.choices[0]?.logprobs?.content ?? [];
    const eos = fixture?.eos_token_ids ?? [];
    const generated = expected.greedy.token_ids.filter((id) => !eos.includes(id));
    expect(content.length).toBe(generated.length);
    // First position: the whole top-5 against the reference's log-softmax.
    const first = content[0];
    if (!first) throw new Error("no logprobs");
    for (const [i, top] of first.top_logprobs.entries()) {
      const ref = expected.top_logprobs[i];
      if (!ref) throw new Error("reference top missing");
      expect(Math.abs(top.logprob - ref.logprob), `top ${i}`).toBeLessThanOrEqual(1e-3);
    }
    content.forEach((entry, i) => {
      expect(Math.abs(entry.logprob - (expected.greedy.logprobs[i] as number)), `token ${i}`).toBeLessThanOrEqual(1e-3);
    });
    expect(completion.choices[0]?.finish_reason).toBe(expected.greedy.finish_reason === "stop" ? "stop" : "length");
  });
});
