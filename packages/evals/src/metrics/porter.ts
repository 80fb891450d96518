/**
 * NLTK's `PorterStemmer()` in its default NLTK_EXTENSIONS mode (nltk/stem/porter.py, NLTK 3.8), ported rule for
 * rule because the npm stemmers (`stemmer`, `porter-stemmer`, natural's) implement Martin Porter's original
 * algorithm and differ on the NLTK extensions: the irregular-form pool (dying -> die, skies -> sky, news, ...),
 * words of <= 2 characters left alone, "ies"/"ied" on 4-letter words, step 1c's y -> i only after a consonant,
 * step 2's "alli", "fulli" and "logi" rules, and the two-letter cvc case. Verified against NLTK on every alphabetic
 * WordNet 3.0 lemma (see fixtures/porter-stems.json for the committed sample).
 */

const POOL: ReadonlyMap<string, string> = new Map([
  ["sky", "sky"],
  ["skies", "sky"],
  ["dying", "die"],
  ["lying", "lie"],
  ["tying", "tie"],
  ["news", "news"],
  ["innings", "inning"],
  ["inning", "inning"],
  ["outings", "outing"],
  ["outing", "outing"],
  ["cannings", "canning"],
  ["canning", "canning"],
  ["howe", "howe"],
  ["proceed", "proceed"],
  ["exceed", "exceed"],
  ["succeed", "succeed"],
]);

function isVowelChar(c: string): boolean {
  return c === "a" || c === "e" || c === "i" || c === "o" || c === "u";
}

function isConsonant(word: string, i: number): boolean {
  // y is a consonant at the start or after a vowel, a vowel after a consonant (resolved backwards)
  let k = i;
  let flips = 0;
  for (;;) {
    const c = word[k] as string;
    if (isVowelChar(c)) return flips % 2 === 1;
    if (c !== "y") return flips % 2 === 0;
    if (k === 0) return flips % 2 === 0;
    k--;
    flips++;
  }
}

function measure(stem: string): number {
  let m = 0;
  let prevVowel = false;
  for (let i = 0; i < stem.length; i++) {
    const cons = isConsonant(stem, i);
    if (cons && prevVowel) m++;
    prevVowel = !cons;
  }
  return m;
}

function containsVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true;
  return false;
}

function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

function endsCvc(word: string): boolean {
  const n = word.length;
  if (n >= 3) {
    const last = word[n - 1] as string;
    if (isConsonant(word, n - 3) && !isConsonant(word, n - 2) && isConsonant(word, n - 1) && last !== "w" && last !== "x" && last !== "y") {
      return true;
    }
  }
  return n === 2 && !isConsonant(word, 0) && isConsonant(word, 1);
}

type Condition = ((stem: string) => boolean) | null;
type Rule = readonly [suffix: string, replacement: string, condition: Condition];

/** NLTK `_apply_rule_list`: the first rule whose suffix matches decides (applies or leaves the word alone). */
function applyRules(word: string, rules: readonly Rule[]): string {
  for (const [suffix, replacement, condition] of rules) {
    if (suffix === "*d" && endsDoubleConsonant(word)) {
      const stem = word.slice(0, -2);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
    if (word.endsWith(suffix)) {
      const stem = suffix === "" ? word : word.slice(0, -suffix.length);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
  }
  return word;
}

const positive = (stem: string): boolean => measure(stem) > 0;
const gt1 = (stem: string): boolean => measure(stem) > 1;

const STEP1A: readonly Rule[] = [
  ["sses", "ss", null],
  ["ies", "i", null],
  ["ss", "ss", null],
  ["s", "", null],
];

function step1a(word: string): string {
  if (word.endsWith("ies") && word.length === 4) return `${word.slice(0, -3)}ie`;
  return applyRules(word, STEP1A);
}

function step1b(word: string): string {
  if (word.endsWith("ied")) return word.length === 4 ? `${word.slice(0, -3)}ie` : `${word.slice(0, -3)}i`;
  if (word.endsWith("eed")) {
    const stem = word.slice(0, -3);
    return measure(stem) > 0 ? `${stem}ee` : word;
  }
  let inter: string | null = null;
  for (const suffix of ["ed", "ing"]) {
    if (word.endsWith(suffix)) {
      const s = word.slice(0, -suffix.length);
      if (containsVowel(s)) {
        inter = s;
        break;
      }
    }
  }
  if (inter === null) return word;
  const last = inter[inter.length - 1] as string;
  return applyRules(inter, [
    ["at", "ate", null],
    ["bl", "ble", null],
    ["iz", "ize", null],
    ["*d", last, () => last !== "l" && last !== "s" && last !== "z"],
    ["", "e", (stem) => measure(stem) === 1 && endsCvc(stem)],
  ]);
}

const STEP1C: readonly Rule[] = [["y", "i", (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)]];

const STEP2_BASE: readonly Rule[] = [
  ["ational", "ate", positive],
  ["tional", "tion", positive],
  ["enci", "ence", positive],
  ["anci", "ance", positive],
  ["izer", "ize", positive],
  ["bli", "ble", positive],
  ["alli", "al", positive],
  ["entli", "ent", positive],
  ["eli", "e", positive],
  ["ousli", "ous", positive],
  ["ization", "ize", positive],
  ["ation", "ate", positive],
  ["ator", "ate", positive],
  ["alism", "al", positive],
  ["iveness", "ive", positive],
  ["fulness", "ful", positive],
  ["ousness", "ous", positive],
  ["aliti", "al", positive],
  ["iviti", "ive", positive],
  ["biliti", "ble", positive],
  ["fulli", "ful", positive],
];

function step2(word: string): string {
  if (word.endsWith("alli") && positive(word.slice(0, -4))) return step2(`${word.slice(0, -4)}al`);
  return applyRules(word, [...STEP2_BASE, ["logi", "log", () => positive(word.slice(0, -3))]]);
}

const STEP3: readonly Rule[] = [
  ["icate", "ic", positive],
  ["ative", "", positive],
  ["alize", "al", positive],
  ["iciti", "ic", positive],
  ["ical", "ic", positive],
  ["ful", "", positive],
  ["ness", "", positive],
];

const STEP4: readonly Rule[] = [
  ["al", "", gt1],
  ["ance", "", gt1],
  ["ence", "", gt1],
  ["er", "", gt1],
  ["ic", "", gt1],
  ["able", "", gt1],
  ["ible", "", gt1],
  ["ant", "", gt1],
  ["ement", "", gt1],
  ["ment", "", gt1],
  ["ent", "", gt1],
  ["ion", "", (stem) => measure(stem) > 1 && (stem.endsWith("s") || stem.endsWith("t"))],
  ["ou", "", gt1],
  ["ism", "", gt1],
  ["ate", "", gt1],
  ["iti", "", gt1],
  ["ous", "", gt1],
  ["ive", "", gt1],
  ["ize", "", gt1],
];

function step5a(word: string): string {
  if (!word.endsWith("e")) return word;
  const stem = word.slice(0, -1);
  const m = measure(stem);
  return m > 1 || (m === 1 && !endsCvc(stem)) ? stem : word;
}

function step5b(word: string): string {
  return word.endsWith("ll") && measure(word.slice(0, -1)) > 1 ? word.slice(0, -1) : word;
}

function stemBmp(word: string): string {
  const lower = word.toLowerCase();
  const pooled = POOL.get(word);
  if (pooled !== undefined) return POOL.get(lower) as string;
  if (word.length <= 2) return lower;
  let s = step1a(lower);
  s = step1b(s);
  s = applyRules(s, STEP1C);
  s = step2(s);
  s = applyRules(s, STEP3);
  s = applyRules(s, STEP4);
  s = step5a(s);
  return step5b(s);
}

const SURROGATE = /[\ud800-\udfff]/;

/** Stems one word like `nltk.stem.PorterStemmer().stem(word)` (lower-cases first). */
export function porterStem(word: string): string {
  if (!SURROGATE.test(word)) return stemBmp(word);
  // Python indexes code points: stand each astral character in for a private-use BMP one while stemming.
  const chars = Array.from(word);
  const toPua = new Map<string, string>();
  const fromPua = new Map<string, string>();
  let next = 0xe000;
  const mapped = chars.map((ch) => {
    if (ch.length === 1) return ch;
    let p = toPua.get(ch);
    if (p === undefined) {
      while (word.includes(String.fromCharCode(next))) next++;
      p = String.fromCharCode(next++);
      toPua.set(ch, p);
      fromPua.set(p, ch);
    }
    return p;
  });
  return Array.from(stemBmp(mapped.join("")), (c) => fromPua.get(c) ?? c).join("");
}
