import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toEvalItem, toSample } from "../item.ts";
import { SIMILARITY_METRICS } from "../metrics/index.ts";
import { apiError, embeddings, startStubServer } from "./openai-stub-server.ts";
import { parseGraderConfig, runGrader } from "./registry.ts";

const item = toEvalItem(
  {
    messages: [
      { role: "user", content: "Where?" },
      { role: "assistant", content: "the cat sat on the mat" },
    ],
  },
  0,
);
const config = (metric: string, threshold = 0.5) =>
  parseGraderConfig({
    type: "text_similarity",
    name: "sim",
    input: "{{sample.output_text}}",
    reference: "{{item.reference}}",
    evaluation_metric: metric,
    pass_threshold: threshold,
  });

describe("text_similarity (local metrics)", () => {
  it("scores identical text 1 with every local metric (METEOR keeps its fragmentation penalty)", async () => {
    for (const metric of SIMILARITY_METRICS.filter((m) => m !== "cosine")) {
      const grade = await runGrader(config(metric, 0.99), toSample("the cat sat on the mat"), item);
      // NLTK's METEOR for 6 matched unigrams in 1 chunk: 1 - 0.5 * (1/6)^3.
      const expected = metric === "meteor" ? 1 - 0.5 / 216 : 1;
      expect(grade, metric).toMatchObject({ score: expect.closeTo(expected, 9), passed: true });
    }
  });

  it("bleu with smoothing (tunelab's extension): a short exact answer scores high with method1, ~0 without", async () => {
    const short = toEvalItem(
      {
        messages: [
          { role: "user", content: "?" },
          { role: "assistant", content: "refund was issued" },
        ],
      },
      0,
    );
    const smoothed = parseGraderConfig({
      type: "text_similarity",
      name: "sim",
      input: "{{sample.output_text}}",
      reference: "{{item.reference}}",
      evaluation_metric: "bleu",
      smoothing: "method1",
      pass_threshold: 0.5,
    });
    const grade = await runGrader(smoothed, toSample("refund was issued"), short);
    expect(grade).toMatchObject({ passed: true, reason: expect.stringContaining("bleu (method1)") });
    expect(await runGrader(config("bleu"), toSample("refund was issued"), short)).toMatchObject({ passed: false });
    expect(() =>
      parseGraderConfig({
        type: "text_similarity",
        name: "sim",
        input: "{{sample.output_text}}",
        reference: "{{item.reference}}",
        evaluation_metric: "rouge_l",
        smoothing: "method1",
        pass_threshold: 0.5,
      }),
    ).toThrow(/smoothing/);
    expect(() => parseGraderConfig({ ...smoothed, smoothing: "method9" })).toThrow(/smoothing/);
  });

  it("applies pass_threshold to the metric: rouge_1 of a 3-of-6-token answer is F = 2/3", async () => {
    const partial = toSample("the cat sat");
    expect(await runGrader(config("rouge_1", 0.6), partial, item)).toMatchObject({ score: expect.closeTo(2 / 3, 9), passed: true });
    expect(await runGrader(config("rouge_1", 0.7), partial, item)).toMatchObject({ score: expect.closeTo(2 / 3, 9), passed: false });
  });

  it("takes OpenAI's fine-tuning shape without pass_threshold, alone and in multi: 0.5 or more passes", async () => {
    const rft = {
      type: "text_similarity",
      name: "t",
      input: "{{sample.output_text}}",
      reference: "{{item.reference}}",
      evaluation_metric: "fuzzy_match",
    };
    const alone = parseGraderConfig(rft);
    expect(await runGrader(alone, toSample("the cat sat on the mat"), item)).toMatchObject({
      score: 1,
      passed: true,
      reason: "fuzzy_match 1.0000 >= 0.5 (default threshold)",
    });
    const far = await runGrader(alone, toSample("stocks fell"), item);
    expect(far.score).toBeLessThan(0.5);
    expect(far).toMatchObject({ passed: false, reason: expect.stringContaining("< 0.5 (default threshold)") });
    // rouge_1 of a 3-of-6-token answer is 2/3: passes at the default threshold, fails at the Evals shape's 0.7
    const partial = toSample("the cat sat");
    expect(await runGrader(parseGraderConfig({ ...rft, evaluation_metric: "rouge_1" }), partial, item)).toMatchObject({ passed: true });
    expect(await runGrader(config("rouge_1", 0.7), partial, item)).toMatchObject({ passed: false });
    const multi = parseGraderConfig({ type: "multi", name: "m", graders: { t: rft }, calculate_output: "t" });
    expect(await runGrader(multi, toSample("the cat sat on the mat"), item)).toMatchObject({ score: 1, passed: true, subScores: { t: 1 } });
  });

  it("requires a known metric and a numeric pass_threshold when one is given", () => {
    expect(() =>
      parseGraderConfig({
        type: "text_similarity",
        name: "s",
        input: "a",
        reference: "b",
        evaluation_metric: "bleu",
        pass_threshold: "0.5",
      }),
    ).toThrow(/pass_threshold: expected number, received string/);
    expect(() =>
      parseGraderConfig({
        type: "text_similarity",
        name: "s",
        input: "a",
        reference: "b",
        evaluation_metric: "rouge_9",
        pass_threshold: 1,
      }),
    ).toThrow(/evaluation_metric/);
  });
});

describe("text_similarity cosine (embeddings endpoint)", () => {
  const vectors: Record<string, number[]> = {
    "the cat sat on the mat": [1, 0, 0],
    "a cat on a mat": [0.6, 0.8, 0],
    "stocks fell": [0, 0, 1],
  };
  let stub: Awaited<ReturnType<typeof startStubServer>>;
  let noEmbeddings: Awaited<ReturnType<typeof startStubServer>>;
  beforeAll(async () => {
    stub = await startStubServer((request) => {
      if (request.path !== "/embeddings") return apiError(404, "not found");
      if (request.body.model === "broken") return apiError(503, "overloaded");
      const inputs = request.body.input as string[];
      return embeddings(inputs.map((text) => vectors[text] ?? [0, 1, 0]));
    });
    noEmbeddings = await startStubServer(() => apiError(404, "Not Found"));
  });
  afterAll(async () => {
    await stub.close();
    await noEmbeddings.close();
  });

  it("embeds input and reference in one request and scores their cosine, with text-embedding-3-large by default as OpenAI's", async () => {
    const grade = await runGrader(config("cosine", 0.5), toSample("a cat on a mat"), item, { client: stub.client });
    expect(grade).toMatchObject({ score: expect.closeTo(0.6, 12), passed: true });
    expect(stub.requests.at(-1)?.body).toMatchObject({
      model: "text-embedding-3-large",
      input: ["a cat on a mat", "the cat sat on the mat"],
    });
    const far = await runGrader(config("cosine", 0.5), toSample("stocks fell"), item, { client: stub.client, embeddingModel: "emb-local" });
    expect(far).toMatchObject({ score: 0, passed: false });
    expect(stub.requests.at(-1)?.body.model).toBe("emb-local");
  });

  it("errors clearly without a client, without an embeddings endpoint, and on server errors", async () => {
    const none = await runGrader(config("cosine"), toSample("x"), item, {});
    expect(none.error).toMatchObject({
      type: "other_error",
      message: expect.stringContaining("needs a provider with an embeddings endpoint"),
    });
    const missing = await runGrader(config("cosine"), toSample("x"), item, { client: noEmbeddings.client });
    expect(missing.error).toMatchObject({
      type: "other_error",
      message: expect.stringContaining("the provider has no embeddings endpoint (HTTP 404"),
    });
    const broken = await runGrader(config("cosine"), toSample("x"), item, { client: stub.client, embeddingModel: "broken" });
    expect(broken.error).toMatchObject({ type: "model_grader_server_error", message: expect.stringContaining("HTTP 503") });
  });
});
