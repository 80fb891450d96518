/**
 * A tokenizer fits its model when every id it can produce has a row in the embedding table (config.json `vocab_size`
 * rows; checkpoints often pad the table beyond the tokenizer's ids, never the other way round).
 */

/** What is wrong when a tokenizer of `tokens` ids feeds an embedding table of `rows` rows, or undefined when it fits. */
export function vocabFitProblem(tokens: number, rows: number): string | undefined {
  return tokens > rows ? `${tokens} tokens, more than the model's ${rows} embedding rows` : undefined;
}

/** The ids a tokenizer.json defines: one past the highest (`count`), and the first id below it with no token, if any. */
export function tokenizerIds(tokenizerJson: unknown): { count: number; missing?: number } {
  const json = (tokenizerJson ?? {}) as { model?: { vocab?: unknown }; added_tokens?: unknown };
  const vocab = json.model?.vocab;
  const ids: number[] = [];
  // BPE / WordPiece / WordLevel: {token: id}; Unigram: [[piece, score], …] by id
  if (Array.isArray(vocab)) for (let id = 0; id < vocab.length; id++) ids.push(id);
  else if (vocab && typeof vocab === "object") for (const id of Object.values(vocab)) if (typeof id === "number") ids.push(id);
  if (Array.isArray(json.added_tokens))
    for (const token of json.added_tokens) {
      const id = (token as { id?: unknown } | null)?.id;
      if (typeof id === "number") ids.push(id);
    }
  const count = ids.reduce((n, id) => Math.max(n, id + 1), 0);
  const seen = new Uint8Array(count);
  for (const id of ids) if (Number.isInteger(id) && id >= 0) seen[id] = 1;
  const missing = seen.indexOf(0);
  return missing === -1 ? { count } : { count, missing };
}
