/**
 * Text embeddings from a causal language model: the mean over the input's tokens of the final hidden
 * states (after the last RMSNorm), scaled to unit length, as OpenAI's embeddings are. This is not an
 * embedding model trained for retrieval (OpenAI's text-embedding-3-* are): it is what a registered or
 * tuned open-weight model offers for `text_similarity`'s `cosine`, cheaply and offline.
 */
import { ContextLengthExceededError } from "../trainer/inference/context-length.ts";
import { type DecoderModel, HfDecoder } from "./model/decoder.ts";

export interface Embeddings {
  vectors: Float32Array[];
  promptTokens: number;
}

/** Embeds each input (token ids); an input longer than the context is an error, as OpenAI answers. */
export function embedTokens(model: DecoderModel, inputs: readonly (readonly number[])[]): Embeddings {
  const d = model.arch.hidden;
  const context = model.rope.positions;
  let promptTokens = 0;
  const vectors = inputs.map((ids) => {
    if (ids.length === 0) throw new Error("an embedding input has no tokens");
    if (ids.length > context) throw new ContextLengthExceededError(ids.length, context);
    for (const id of ids)
      if (!Number.isInteger(id) || id < 0 || id >= model.arch.vocab)
        throw new Error(`token id ${id} is outside the vocabulary (0..${model.arch.vocab - 1})`);
    promptTokens += ids.length;
    const states = new HfDecoder(model, ids.length).states(ids);
    const mean = new Float64Array(d);
    for (let t = 0; t < ids.length; t++) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (states[t * d + j] as number);
    let norm = 0;
    for (let j = 0; j < d; j++) norm += (mean[j] as number) ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    return Float32Array.from(mean, (v) => v * scale);
  });
  return { vectors, promptTokens };
}
