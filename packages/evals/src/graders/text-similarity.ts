import { z } from "zod";
import { type Grade, GraderError } from "../grade.ts";
import type { EvalItem, Sample } from "../item.ts";
import { BLEU_SMOOTHINGS, BleuSmoothingError, cosineSimilarity, SIMILARITY_METRICS, textSimilarity } from "../metrics/index.ts";
import { renderTemplate } from "../template/render.ts";
import { configObject } from "./config-object.ts";
import { graderName, passThreshold, template } from "./fields.ts";
import type { Grader, GraderContext } from "./grader.ts";
import { providerError } from "./model-call.ts";

/**
 * OpenAI's `text_similarity`: one metric in [0, 1] between the rendered `input` and `reference`.
 * `pass_threshold` is optional, as in OpenAI's two shapes of this grader: the fine-tuning (RFT) grader has none, the
 * Evals API's testing_criteria add it. Without it, a score of 0.5 or more passes, as for the other graders whose
 * threshold is optional and whose score is in [0, 1] (`python`; `score_model` passes at the middle of its range).
 * tunelab's extensions: `smoothing` for `bleu` (NLTK's method1 … method7; default `none`, NLTK's and, as far as
 * OpenAI documents it, OpenAI's: see metrics/bleu.ts); `embedding_model` for `cosine` (default
 * text-embedding-3-large on the grading provider, as OpenAI's; on the local engine, a registered open-weight model, whose
 * embeddings are its mean-pooled final hidden states, not a retrieval-trained embedding model).
 */
export const TextSimilarityConfig = configObject({
  type: z.literal("text_similarity"),
  name: graderName,
  input: template,
  reference: template,
  evaluation_metric: z.enum(SIMILARITY_METRICS),
  pass_threshold: passThreshold.optional(),
  smoothing: z.enum(BLEU_SMOOTHINGS).optional(),
  embedding_model: z.string().min(1).optional(),
})
  .refine((c) => c.smoothing === undefined || c.evaluation_metric === "bleu", {
    message: "smoothing applies to evaluation_metric bleu only",
    path: ["smoothing"],
  })
  .refine((c) => c.embedding_model === undefined || c.evaluation_metric === "cosine", {
    message: "embedding_model applies to evaluation_metric cosine only",
    path: ["embedding_model"],
  });
export type TextSimilarityConfig = z.infer<typeof TextSimilarityConfig>;

/** The threshold of a `text_similarity` grader without `pass_threshold`. */
export const DEFAULT_SIMILARITY_THRESHOLD = 0.5;

/** OpenAI's graders guide: `cosine` "Computes Cosine similarity between embedded input and reference, using text-embedding-3-large". */
export const DEFAULT_EMBEDDING_MODEL = "text-embedding-3-large";

/**
 * Embeddings already fetched, per provider address, model and text: the references of a test split are embedded
 * once per process, not once per eval run and grader. Bounded (least recently used first out).
 */
const cache = new Map<string, number[]>();
const CACHE_ENTRIES = 20_000;
const cacheKey = (baseURL: string, model: string, text: string) => `${baseURL}\u0000${model}\u0000${text}`;

function cached(key: string): number[] | undefined {
  const v = cache.get(key);
  if (v) {
    cache.delete(key);
    cache.set(key, v);
  }
  return v;
}

function remember(key: string, v: number[]): void {
  cache.set(key, v);
  while (cache.size > CACHE_ENTRIES) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
}

/** Cosine similarity of the two texts' embeddings from the provider's embeddings endpoint (cached). */
export async function embeddingCosine(context: GraderContext, input: string, reference: string, model?: string): Promise<number> {
  const client = context.client;
  const name = model ?? context.embeddingModel ?? DEFAULT_EMBEDDING_MODEL;
  if (!client)
    throw new GraderError("other_error", "text_similarity cosine needs a provider with an embeddings endpoint (no client configured)");
  const keys = [cacheKey(client.baseURL, name, input), cacheKey(client.baseURL, name, reference)];
  const known = keys.map(cached);
  const missing = [input, reference].filter((_, i) => !known[i]);
  if (missing.length === 0) return cosineSimilarity(known[0] as number[], known[1] as number[]);
  let vectors: number[][];
  try {
    const response = await client.embeddings.create(
      { model: name, input: missing, encoding_format: "float" },
      context.signal ? { signal: context.signal } : {},
    );
    const fetched = [...response.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
    let next = 0;
    vectors = known.map((v) => v ?? (fetched[next++] as number[]));
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (status === 404 || status === 405 || status === 501) {
      throw new GraderError(
        "other_error",
        `text_similarity cosine: the provider has no embeddings endpoint (HTTP ${status} for model ${name}); choose another metric or provider`,
      );
    }
    throw await providerError(`text_similarity cosine (${name})`, error);
  }
  const [a, b] = vectors;
  if (!a || !b || a.length === 0 || a.length !== b.length) {
    throw new GraderError("model_grader_server_error", `text_similarity cosine (${name}): the provider returned unusable embeddings`);
  }
  remember(keys[0] as string, a);
  remember(keys[1] as string, b);
  return cosineSimilarity(a, b);
}

async function similarity(config: TextSimilarityConfig, sample: Sample, item: EvalItem, context: GraderContext): Promise<number> {
  const scope = { item, sample };
  const input = renderTemplate(config.input, scope);
  const reference = renderTemplate(config.reference, scope);
  const metric = config.evaluation_metric;
  if (metric === "cosine") return embeddingCosine(context, input, reference, config.embedding_model);
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
    const threshold = config.pass_threshold ?? DEFAULT_SIMILARITY_THRESHOLD;
    const passed = score >= threshold;
    const metric = config.smoothing ? `${config.evaluation_metric} (${config.smoothing})` : config.evaluation_metric;
    const which = config.pass_threshold === undefined ? " (default threshold)" : "";
    return { score, passed, reason: `${metric} ${score.toFixed(4)} ${passed ? ">=" : "<"} ${threshold}${which}` };
  },
};
