/**
 * HfBatch: completions decoded together are, token for token, the ones generateHf gives each request alone
 * (greedy and seeded sampling, stop sequences, logprobs, JSON-schema constraints and penalties, streamed pieces, tools), more
 * requests than one step takes, and a request that fails (its prompt over the context) fails alone.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import type { ChatExample, Completion, SamplingParams } from "../../trainer/types.ts";
import { createChatCodec } from "../chat-codec.ts";
import { openHfDecoderModel } from "../load.ts";
import type { DecoderModel } from "./decoder.ts";
import { type ChatCodec, generateHf, HfBatch, type HfGenerationRequest, MAX_BATCH } from "./generate.ts";

/** The requests decoded together in one HfBatch until all have ended; their results in the order of the requests. */
function generateTogether(model: DecoderModel, codec: ChatCodec, requests: readonly HfGenerationRequest[]): Array<Completion | Error> {
  const out: Array<Completion | Error> = new Array(requests.length);
  const batch = new HfBatch(model, codec);
  requests.forEach((r, i) => {
    batch.add(r, (result) => {
      out[i] = result;
    });
  });
  while (batch.size > 0) batch.step();
  return out;
}

const FIXTURES = fileURLToPath(new URL("../../../fixtures/hf/", import.meta.url));

const user = (content: string): ChatExample["messages"] => [{ role: "user", content }];
const greedy: SamplingParams = { temperature: 0, topP: 1, maxTokens: 12 };
const KINDS: HfGenerationRequest[] = [
  { messages: user("Route: my invoice is wrong"), tools: undefined, sampling: greedy },
  { messages: user("hi"), tools: undefined, sampling: { temperature: 1.3, topP: 0.9, maxTokens: 20, seed: 11 } },
  { messages: user("a much longer question about the app, which crashes"), tools: undefined, sampling: { ...greedy, stop: ["e"] } },
  { messages: user("logprobs please"), tools: undefined, sampling: { ...greedy, logprobs: 2 } },
  {
    messages: user("json"),
    tools: undefined,
    sampling: {
      ...greedy,
      maxTokens: 30,
      responseFormat: {
        type: "json_schema",
        schema: {
          type: "object",
          properties: { team: { type: "string", enum: ["billing", "bug"] } },
          required: ["team"],
          additionalProperties: false,
        },
      },
      frequencyPenalty: 0.5,
    },
  },
  {
    messages: user("weather?"),
    tools: [{ type: "function", function: { name: "weather", parameters: { type: "object" } } }],
    sampling: { temperature: 0.8, topP: 1, maxTokens: 16, seed: 3 },
  },
];
/** More requests than a step decodes (each kind with three prompts), then one over the context. */
const REQUESTS: HfGenerationRequest[] = [
  ...[1, 2, 3].flatMap((n) =>
    KINDS.map((r) => ({ ...r, messages: user(`${n === 1 ? "" : `(${n}) `}${r.messages[0]?.content as string}`) })),
  ),
  { messages: user("x".repeat(4000)), tools: undefined, sampling: greedy },
];

describe("completions decoded together", () => {
  it.each(["qwen2", "gemma2", "phi3"])("are each the completion decoded alone (%s)", async (fixture) => {
    const dir = `${FIXTURES}${fixture}`;
    const model = openHfDecoderModel(dir, nativeKernels());
    const codec = await createChatCodec(dir, model.arch.vocab);
    const streamed = (pieces: string[]) => (piece: string) => void pieces.push(piece);
    const aloneStreams = REQUESTS.map(() => [] as string[]);
    const alone = REQUESTS.map((r, i): Completion | Error => {
      try {
        return generateHf(model, codec, r.messages, r.tools, r.sampling, streamed(aloneStreams[i] as string[]));
      } catch (error) {
        return error as Error;
      }
    });
    const batchStreams = REQUESTS.map(() => [] as string[]);
    const together = generateTogether(
      model,
      codec,
      REQUESTS.map((r, i) => ({ ...r, onToken: streamed(batchStreams[i] as string[]) })),
    );
    expect(REQUESTS.length).toBeGreaterThan(MAX_BATCH);
    expect(together).toEqual(alone);
    expect(batchStreams).toEqual(aloneStreams);
    expect(together.at(-1)).toBeInstanceOf(Error);
    expect(together.filter((c) => !(c instanceof Error) && c.completionTokens > 1).length).toBeGreaterThanOrEqual(4);
  });
});
