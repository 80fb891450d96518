/**
 * A tokenizer fits its model when every id it can produce has a row in the embedding table (config.json `vocab_size`
 * rows; checkpoints often pad the table beyond the tokenizer's ids). The one exception: special added tokens past the
 * table, which text never produces unless it spells them (Gemma 3's text-only checkpoints share the image-text models'
 * tokenizer, with `<image_soft_token>` at id 262,144 of a 262,144-row table, as transformers and vLLM load them): they
 * are allowed, and a text that holds one is refused when it is encoded (unembeddedTokenProblem).
 */

/** What is wrong when a tokenizer of `tokens` ids feeds an embedding table of `rows` rows, or undefined when it fits. */
export function vocabFitProblem(tokens: number, rows: number): string | undefined {
  return tokens > rows ? `${tokens} tokens, more than the model's ${rows} embedding rows` : undefined;
}

/**
 * The ids a tokenizer.json defines: one past the highest (`count`), and the first id below it with no token, if any.
 * With `rows`, special added tokens at or past it are left out of both, and listed in `unembedded`.
 */
export function tokenizerIds(
  tokenizerJson: unknown,
  rows = Number.POSITIVE_INFINITY,
): { count: number; missing?: number; unembedded: Array<{ id: number; content: string }> } {
  const unembedded: Array<{ id: number; content: string }> = [];
  const json = (tokenizerJson ?? {}) as { model?: { vocab?: unknown }; added_tokens?: unknown };
  const vocab = json.model?.vocab;
  const ids: number[] = [];
  // BPE / WordPiece / WordLevel: {token: id}; Unigram: [[piece, score], …] by id
  if (Array.isArray(vocab)) for (let id = 0; id < vocab.length; id++) ids.push(id);
  else if (vocab && typeof vocab === "object") for (const id of Object.values(vocab)) if (typeof id === "number") ids.push(id);
  if (Array.isArray(json.added_tokens))
    for (const token of json.added_tokens) {
      const { id, content, special } = (token ?? {}) as { id?: unknown; content?: unknown; special?: unknown };
      if (typeof id !== "number") continue;
      if (id >= rows && special === true) unembedded.push({ id, content: String(content) });
      else ids.push(id);
    }
  const count = ids.reduce((n, id) => Math.max(n, id + 1), 0);
  const seen = new Uint8Array(count);
  for (const id of ids) if (Number.isInteger(id) && id >= 0) seen[id] = 1;
  const missing = seen.indexOf(0);
  return missing === -1 ? { count, unembedded } : { count, missing, unembedded };
}

/** Why ids are refused: one has no row in a `rows`-row embedding table (a special token past it); undefined when all fit. */
export function unembeddedTokenProblem(ids: readonly number[], rows: number, tokenText: (id: number) => string): string | undefined {
  const id = ids.find((i) => i >= rows);
  if (id === undefined) return undefined;
  return `the text holds ${tokenText(id)} (token id ${id}), a token of the tokenizer the model has no embedding row for (it has ${rows}); remove it from the text`;
}
