/**
 * Splits text into words before BPE (GPT-2's pattern): merges never cross a word boundary, so a
 * label such as `billing` becomes one token instead of being spelled across its neighbours.
 */
const PATTERN = /'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export function pretokenize(text: string): string[] {
  return text.match(PATTERN) ?? [];
}
