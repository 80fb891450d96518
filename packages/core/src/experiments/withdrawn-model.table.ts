/**
 * A published tuned model that was deleted (0017): engines drop their own copies of it when asked for it, and it is
 * not published again (unpublish-tuned-model.ts).
 */
export interface WithdrawnModelTable {
  /** The tuned model's id (`ft:…`). */
  model: string;
  withdrawn_at: string;
}
