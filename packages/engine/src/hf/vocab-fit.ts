/**
 * A tokenizer fits its model when every id it can produce has a row in the embedding table (config.json `vocab_size`
 * rows; checkpoints often pad the table beyond the tokenizer's ids, never the other way round).
 */

/** What is wrong when a tokenizer of `tokens` ids feeds an embedding table of `rows` rows, or undefined when it fits. */
export function vocabFitProblem(tokens: number, rows: number): string | undefined {
  return tokens > rows ? `${tokens} tokens, more than the model's ${rows} embedding rows` : undefined;
}

/** How many ids a tokenizer.json defines (one past the highest id of `model.vocab` and `added_tokens`). */
export function tokenizerIdCount(tokenizerJson: unknown): number {
  const json = (tokenizerJson ?? {}) as { model?: { vocab?: unknown }; added_tokens?: unknown };
  const vocab = json.model?.vocab;
  let count = 0;
  // BPE / WordPiece / WordLevel: {token: id}; Unigram: [[piece, score], …] by id
  if (Array.isArray(vocab)) count = vocab.length;
  else if (vocab && typeof vocab === "object")
    for (const id of Object.values(vocab)) if (typeof id === "number" && id >= count) count = id + 1;
  if (Array.isArray(json.added_tokens))
    for (const token of json.added_tokens) {
      const id = (token as { id?: unknown } | null)?.id;
      if (typeof id === "number" && id >= count) count = id + 1;
    }
  return count;
}
