/**
 * What each token figure counts, said next to it. Datasets count every message's tokens (OpenAI bills those, × epochs);
 * the local engine trains on the assistant tokens and reports those, × epochs, as trained tokens; hosted providers
 * report the tokens they bill.
 */
export const LOCAL_PROVIDER = "local";

/** What an experiment's `trainedTokens` counts, by its provider. */
export function trainedTokensMean(provider: string): string {
  return provider === LOCAL_PROVIDER ? "assistant tokens × epochs" : "tokens billed by the provider (all tokens × epochs)";
}

export const TRAINED_TOKENS_NOTE =
  "trained tokens: the assistant (loss-bearing) tokens × epochs on the local engine; on hosted providers, the tokens they bill (every message's tokens × epochs).";
