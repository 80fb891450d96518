import { Hono } from "hono";
import { badRequest } from "../http/openai-error.ts";
import { jsonBody } from "../http/validate.ts";
import { EmbeddingsUnsupportedError } from "../models/inference/embeddings-unsupported.ts";
import { modelNotFound } from "../models/model.routes.ts";
import type { RunnableModels } from "../models/runnable-models.ts";
import { ContextLengthExceededError } from "../trainer/inference/context-length.ts";
import { EmbeddingsRequest, embeddingInputs } from "./embeddings.schema.ts";

/** float32 little-endian bytes in base64, as OpenAI's `encoding_format: "base64"`. */
function base64(v: Float32Array): string {
  const bytes = new Uint8Array(v.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i] as number, true);
  return Buffer.from(bytes).toString("base64");
}

/** POST /v1/embeddings: mean-pooled, unit-length final hidden states of an open-weight model (hf/embed.ts). */
export function embeddingRoutes(models: RunnableModels): Hono {
  const app = new Hono();
  app.post("/", async (c) => {
    const request = await jsonBody(c, EmbeddingsRequest);
    if (request.dimensions !== undefined)
      throw badRequest("dimensions is not supported: this model's embeddings have its hidden size.", "dimensions", "unsupported_parameter");
    const source = await models.resolve(request.model);
    if (!source) throw modelNotFound(request.model);
    if (source.kind === "base" || source.kind === "dir")
      throw badRequest(new EmbeddingsUnsupportedError().message, "model", "model_not_supported");
    const { vectors, promptTokens } = await models.embed(source, embeddingInputs(request.input)).catch((e: unknown) => {
      if (e instanceof ContextLengthExceededError) throw badRequest(e.message, "input", "context_length_exceeded");
      if (e instanceof EmbeddingsUnsupportedError) throw badRequest(e.message, "model", "model_not_supported");
      if (e instanceof Error && /outside the vocabulary/.test(e.message)) throw badRequest(e.message, "input", "invalid_value");
      throw e;
    });
    const asBase64 = request.encoding_format === "base64";
    return c.json({
      object: "list",
      data: vectors.map((v, index) => ({ object: "embedding", index, embedding: asBase64 ? base64(v) : Array.from(v) })),
      model: request.model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    });
  });
  return app;
}
