/** The longest model (and provider) name accepted: OpenAI's longest ids (`ft:…` with a suffix) are under 100 characters. */
export const MAX_MODEL_NAME = 256;
