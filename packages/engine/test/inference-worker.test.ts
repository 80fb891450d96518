/**
 * Inference runs in the engine's worker thread: the request thread keeps answering while a model
 * generates, and a prompt that cannot fit is refused with OpenAI's 400 `context_length_exceeded`
 * before it is tokenised (a 64 MB prompt costs neither seconds nor gigabytes).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineWithClient } from "./engine-client.ts";

let ctx: Awaited<ReturnType<typeof engineWithClient>>;
beforeAll(async () => {
  ctx = await engineWithClient({ runJobs: false });
});
afterAll(async () => ctx?.dispose());

describe("the inference worker", () => {
  it("answers other requests while a completion is generating", async () => {
    const order: string[] = [];
    const long = ctx.client.chat.completions
      .create({ model: "local-base", temperature: 0, max_tokens: 400, messages: [{ role: "user", content: "hello" }] })
      .then((r) => {
        order.push("completion");
        return r;
      });
    // Let the worker start (it loads the model, then decodes 400 tokens with local-base).
    await new Promise((r) => setTimeout(r, 300));
    const listed = await ctx.client.models.list();
    order.push("models");
    const done = await long;
    expect(listed.data.length).toBeGreaterThan(0);
    expect(done.choices[0]?.finish_reason).toBe("length");
    expect(order).toEqual(["models", "completion"]);
  });

  it("refuses a 64 MB prompt with 400 context_length_exceeded without tokenising it", async () => {
    const before = process.memoryUsage().rss;
    const huge = "lorem ipsum ".repeat((64 * 1024 * 1024) / 12);
    const error = await ctx.client.chat.completions
      .create({ model: "local-tiny", messages: [{ role: "user", content: huge }] })
      .catch((e: unknown) => e as { status: number; code: string; param: string; message: string });
    expect(error).toMatchObject({ status: 400, code: "context_length_exceeded", param: "messages" });
    expect((error as { message: string }).message).toMatch(/maximum context length is 1024 tokens.*at least \d+ tokens/);
    // The request thread held the body and its parse; nothing near OpenAI's 52-bytes-per-byte blow-up.
    expect(process.memoryUsage().rss - before).toBeLessThan(2 * 1024 ** 3);
  });

  it("refuses a prompt just over the context after tokenising it, naming the count", async () => {
    const words = Array.from({ length: 300 }, (_, i) => `w${i}`).join(" "); // about 1,400 bytes: over 1,024 byte tokens
    await expect(
      ctx.client.chat.completions.create({ model: "local-tiny", messages: [{ role: "user", content: words }] }),
    ).rejects.toMatchObject({ status: 400, code: "context_length_exceeded" });
  });
});
