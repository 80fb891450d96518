/**
 * The inference worker decodes the completions of one open-weight model that wait together as one batch, and answers
 * each as soon as it ends while the longer ones go on; a request of another kind waiting behind them is served once the
 * batch has drained, and the completions after it are a batch of their own. Requests are sent to the worker in one
 * turn of the event loop (as an eval run's come), so the order of the answers is the worker's.
 */
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { SamplingParams } from "../../trainer/types.ts";
import { InferenceClient } from "./client.ts";
import type { ModelSource } from "./protocol.ts";

const QWEN2 = fileURLToPath(new URL("../../../fixtures/hf/qwen2/", import.meta.url));
const source: ModelSource = { kind: "hf", dir: QWEN2, fingerprint: "batching-test" };
const client = new InferenceClient();
afterAll(() => client.close());

// the fixture's end-of-turn tokens forbidden: each completion runs to its max_tokens
const sampling = (maxTokens: number): SamplingParams => ({ temperature: 0, topP: 1, maxTokens, logitBias: { "456": -100, "458": -100 } });
const ask = (i: number, maxTokens: number) =>
  client.complete(source, [{ role: "user", content: `Ticket ${i}` }], undefined, sampling(maxTokens));

describe("batched completions in the inference worker", () => {
  it("answers each as soon as it ends, the others going on", async () => {
    await ask(0, 1); // the model loaded
    const lengths = [30, 2, 20, 5, 12, 1];
    const order: string[] = [];
    const done =
      (name: string) =>
      <T>(value: T): T => {
        order.push(name);
        return value;
      };
    const completions = lengths.map((n, i) => ask(i, n).then(done(`${n} tokens`)));
    const counted = client.countPromptTokens(source, [{ role: "user", content: "count me" }]).then(done("count"));
    const after = ask(9, 3).then(done("3 tokens, after the count"));
    const results = await Promise.all(completions);
    await Promise.all([counted, after]);
    expect(results.map((r) => r.completionTokens)).toEqual(lengths);
    expect(order).toEqual([
      "1 tokens",
      "2 tokens",
      "5 tokens",
      "12 tokens",
      "20 tokens",
      "30 tokens",
      "count",
      "3 tokens, after the count",
    ]);
    // each is the completion it gets alone
    for (const [i, n] of lengths.entries()) expect((await ask(i, n)).text).toBe(results[i]?.text);
  });
});
