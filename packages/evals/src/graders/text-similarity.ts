import { z } from "zod";
import { type Grade, GraderError } from "../grade.ts";
import type { EvalItem, Sample } from "../item.ts";
import { BLEU_SMOOTHINGS, BleuSmoothingError, cosineSimilarity, SIMILARITY_METRICS, textSimilarity } from "../metrics/index.ts";
import { renderTemplate } from "../template/render.ts";
import { graderName, passThreshold, template } from "./fields.ts";
import type { Grader, GraderContext } from "./grader.ts";
import { providerError } from "./model-call.ts";

/**
 * OpenAI's `text_similarity`: one metric in [0, 1] between the rendered `input` and `reference`.
 * tunelab's extension: `smoothing` for `bleu` (NLTK's method1 … method7; default `none`, NLTK's and, as far as
 * OpenAI documents it, OpenAI's: see metrics/bleu.ts).
 */
export const TextSimilarityConfig = z
  .object({
    type: z.literal("text_similarity"),
    name: graderName,
    input: template,
    reference: template,
    evaluation_metric: z.enum(SIMILARITY_METRICS),
    pass_threshold: passThreshold,
    smoothing: z.enum(BLEU_SMOOTHINGS).optional(),
  })
  .refine((c) => c.smoothing === undefined || c.evaluation_metric === "bleu", {
    message: "smoothing applies to evaluation_metric bleu only",
    path: ["smoothing"],
  });
export type TextSimilarityConfig = z.infer<typeof TextSimilarityConfig>;

export const DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small";

/** Cosine similarity of the two texts' embeddings from the provider's embeddings endpoint. */
export async function embeddingCosine(context: GraderContext, input: string, reference: string): Promise<number> {
  const client = context.client;
  const model = context.embeddingModel ?? DEFAULT_EMBEDDING_MODEL;
  if (!client)
    throw new GraderError("other_error", "text_similarity cosine needs a provider with an embeddings endpoint (no client configured)");
  let vectors: number[][];
  try {
    const response = await client.embeddings.create(
      { model, input: [input, reference], encoding_format: "float" },
      context.signal ? { signal: context.signal } : {},
    );
    vectors = [...response.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (status === 404 || status === 405 || status === 501) {
      throw new GraderError(
        "other_error",
        `text_similarity cosine: the provider has no embeddings endpoint (HTTP ${status} for model ${model}); choose another metric or provider`,
      );
    }
    throw providerError(`text_similarity cosine (${model})`, error);
  }
  const [a, b] = vectors;
  if (!a || !b || a.length === 0 || a.length !== b.length) {
    throw new GraderError("model_grader_server_error", `text_similarity cosine (${model}): the provider returned unusable embeddings`);
  }
  return cosineSimilarity(a, b);
}

async function similarity(config: TextSimilarityConfig, sample: Sample, item: EvalItem, context: GraderContext): Promise<number> {
  const scope = { item, sample };
  const input = renderTemplate(config.input, scope);
  const reference = renderTemplate(config.reference, scope);
  const metric = config.evaluation_metric;
  if (metric === "cosine") return embeddingCosine(context, input, reference);
  try {
    return textSimilarity(metric, input, reference, config.smoothing ? { smoothing: config.smoothing } : {});
  } catch (error) {
    if (error instanceof BleuSmoothingError) throw new GraderError("other_error", `bleu ${config.smoothing}: ${error.message}`);
    throw error;
  }
}

export const textSimilarityGrader: Grader<TextSimilarityConfig> = {
  type: "text_similarity",
  config: TextSimilarityConfig,
  async grade(config, sample, item, context): Promise<Grade> {
    const score = await similarity(config, sample, item, context);
    const passed = score >= config.pass_threshold;
    const metric = config.smoothing ? `${config.evaluation_metric} (${config.smoothing})` : config.evaluation_metric;
    return { score, passed, reason: `${metric} ${score.toFixed(4)} ${passed ? ">=" : "<"} ${config.pass_threshold}` };
  },
};
