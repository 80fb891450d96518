/** The model has no embeddings: the built-in `local-*` models and their tuned versions (only open-weight models embed). */
export class EmbeddingsUnsupportedError extends Error {
  override readonly name = "EmbeddingsUnsupportedError";
  constructor() {
    super("This model does not support embeddings: use a registered open-weight model (tunelab models add) or one tuned from it.");
  }
}
