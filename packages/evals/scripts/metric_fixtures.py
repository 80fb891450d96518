#!/usr/bin/env python3
"""Reference values for OpenAI text_similarity metrics -> fixtures/text-similarity.json (+ porter-stems.json).

Dev machine only (never CI):
  apt-get install -y python3-nltk python3-thefuzz python3-levenshtein wordnet-base
  /usr/bin/python3 packages/evals/scripts/metric_fixtures.py

What produced each metric (see fixtures/README.md):
  bleu    nltk.translate.bleu_score.sentence_bleu([reference.split()], output.split())  (4-gram uniform, no smoothing)
  gleu    nltk.translate.gleu_score.sentence_gleu([reference.split()], output.split())
  meteor  nltk.translate.meteor_score.single_meteor_score(reference.split(), output.split(), wordnet=<WordNet 3.0>)
  rouge_* Google rouge-score (RougeScorer([...], use_stemmer=False)).fmeasure: the package is not installable
          here (not in Debian, no PyPI), so `rouge_score` below re-implements its tokenizer and scorer line for line.
  fuzzy_match  rapidfuzz.fuzz.WRatio(output, reference, processor=utils.default_process) / 100: rapidfuzz is not
          installable here either; `wratio` below re-implements rapidfuzz's documented algorithm (the pure-Python
          fallback, i.e. exhaustive partial_ratio). thefuzz 0.19 (python-Levenshtein backend, integer scores) is
          recorded alongside as an independent cross-check.
"""

import json
import math
import os
import re
import sys
import unicodedata
import warnings
from collections import Counter

import nltk
from nltk.stem.porter import PorterStemmer
from nltk.translate.bleu_score import sentence_bleu
from nltk.translate.gleu_score import sentence_gleu
from nltk.translate.meteor_score import single_meteor_score

sys.path.insert(0, os.path.dirname(__file__))
from wordnet_data import open_reader  # noqa: E402

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")

PAIRS: list[tuple[str, str, str]] = [
    # (id, output, reference)
    ("exact", "The quick brown fox jumps over the lazy dog", "The quick brown fox jumps over the lazy dog"),
    ("exact_short", "billing", "billing"),
    ("exact_three_tokens", "refund was issued", "refund was issued"),
    ("both_empty", "", ""),
    ("empty_output", "", "The cat sat on the mat"),
    ("empty_reference", "The cat sat on the mat", ""),
    ("whitespace_only", "   ", "hello world"),
    ("case_diff", "THE QUICK BROWN FOX", "the quick brown fox"),
    ("punct_diff", "Hello, world!", "Hello world"),
    ("punct_attached", "The answer is 42.", "the answer is 42"),
    ("reorder", "dog lazy the over jumps fox brown quick the", "the quick brown fox jumps over the lazy dog"),
    ("reorder_two", "world hello", "hello world"),
    ("partial_overlap", "The cat sat on the mat", "The cat is on the mat"),
    ("partial_overlap2", "A quick brown dog outpaces a quick fox", "The quick brown fox jumps over the lazy dog"),
    ("substring", "fox", "The quick brown fox jumps over the lazy dog"),
    ("substring_mid", "brown fox jumps", "The quick brown fox jumps over the lazy dog"),
    ("long_vs_short_ratio8", "a", "abcdefghijklmnopqrstuvwxyz"),
    ("prefix", "New York", "New York City"),
    ("prefix_typo", "New Yrok Cty", "New York City"),
    ("typo", "recieve the pacakge", "receive the package"),
    ("synonym_quick_fast", "the fast brown fox", "the quick brown fox"),
    ("synonym_big_large", "a large house", "a big house"),
    ("synonym_start_begin", "Please begin the meeting now", "Please start the meeting now"),
    ("synonym_car_auto", "he drove his automobile to work", "he drove his car to work"),
    ("stem_match", "the dogs were running quickly", "the dog runs quick"),
    ("stem_plural", "cats and dogs", "cat and dog"),
    ("stem_ed", "She walked home and cooked dinner", "she walks home and cooks dinner"),
    ("numbers", "The total is 1,234.56 dollars", "The total is 1234.56 dollars"),
    ("numbers_diff", "Order 12345 shipped on 2024-01-15", "Order 12346 shipped on 2024-01-16"),
    ("digits_only", "3.14159", "3.14"),
    ("unicode_accents", "Café crème brûlée", "Cafe creme brulee"),
    ("unicode_same", "naïve façade", "naïve façade"),
    ("unicode_cjk", "東京は日本の首都です", "日本の首都は東京です"),
    ("unicode_greek", "ΟΔΥΣΣΕΥΣ ταξίδεψε", "Οδυσσευς ταξίδεψε"),
    ("unicode_emoji", "great job 👍", "great job"),
    ("unicode_turkish_I", "İstanbul", "istanbul"),
    ("json_same", '{"category":"billing"}', '{"category":"billing"}'),
    ("json_diff_value", '{"category":"billing"}', '{"category":"shipping"}'),
    ("json_spacing", '{"category": "billing"}', '{"category":"billing"}'),
    ("json_multi", '{"category":"billing","priority":"high"}', '{"priority":"high","category":"billing"}'),
    ("underscore", "snake_case_name", "snake case name"),
    ("hyphen", "state-of-the-art model", "state of the art model"),
    ("repeated_words", "the the the the the the the", "the cat is on the mat"),
    ("repeated_bigram", "to be or not to be", "to be or not to be that is the question"),
    ("single_word_diff", "yes", "no"),
    ("single_char", "a", "b"),
    ("single_char_same", "a", "a"),
    ("no_overlap", "completely unrelated sentence here", "the quick brown fox jumps"),
    ("multi_space", "hello    world  again", "hello world again"),
    ("newlines_tabs", "line one\nline two\tend", "line one line two end"),
    ("long_sentence", "It is a guide to action which ensures that the military always obeys the commands of the party", "It is a guide to action that ensures that the military will forever heed Party commands"),
    ("long_sentence2", "he read the book because he was interested in world history", "he was interested in world history because he read the book"),
    ("long_paragraph", "Machine learning models require large amounts of labeled data to achieve good performance on downstream tasks, and collecting such data is often expensive and time consuming for most organizations.", "Collecting labeled data is expensive and time consuming, yet machine learning models need a lot of it to perform well on downstream tasks."),
    ("long_partial_needle", "the military always obeys the commands of the party and the guide", "It is a guide to action which ensures that the military always obeys the commands of the party in every situation that may arise over the years"),
    ("meteor_chunks", "the cat sat on the mat today", "today the cat sat on the mat"),
    ("meteor_dupes", "cat cat cat dog", "dog cat"),
    ("answer_label", "Answer: B", "B"),
    ("label_case", "Billing", "billing"),
    ("label_typo", "biling", "billing"),
    ("sentence_vs_label", "The category is billing.", "billing"),
    ("yes_yeah", "Yeah", "Yes"),
    ("contraction", "I don't know", "I do not know"),
    ("url", "https://example.com/path?q=1", "https://example.com/path"),
    ("code", "def f(x): return x+1", "def f(x):\n    return x + 1"),
    ("trailing_space", "hello world ", "hello world"),
    ("medium_fuzzy", "fuzzy wuzzy was a bear", "wuzzy fuzzy was a bear"),
    ("token_set_subset", "fuzzy was a bear", "fuzzy fuzzy was a bear"),
    ("token_set_diff", "fuzzy was a bear but not a dog", "fuzzy was a bear but not a cat"),
    ("ratio_1_5_boundary", "abcdef", "abcdefghi"),
]



def random_pairs(count: int = 300) -> list[tuple[str, str, str]]:
    """Deterministic pseudo-random sentence pairs (synonyms, inflections, case, punctuation, reorderings)."""
    import random

    rng = random.Random(20240615)
    vocab = ("the a an quick fast rapid speedy brown fox dog dogs cat cats jumped jumps jumping leaps over under lazy idle "
             "big large huge small little tiny house home car automobile begin start started starts run running ran runs "
             "happy glad happily sad refund refunds refunded billing bill invoice shipping shipped order orders "
             "customer customers client agent account accounts password reset resets login error errors failed "
             "is was are were be been not no yes very really 1 2 10 42 2024 3.5 $20 JSON {\"category\":\"billing\"} "
             "café naïve über résumé Straße 東京 😀 well-known state-of-the-art e-mail don't can't it's").split()
    punct = ["", "", "", ",", ".", "!", "?", ";", ":"]
    out = []
    for k in range(count):
        n = rng.randint(1, 14)
        ref = [rng.choice(vocab) for _ in range(n)]
        hyp = list(ref)
        for _ in range(rng.randint(0, 5)):
            op = rng.random()
            if op < 0.25 and hyp:
                hyp[rng.randrange(len(hyp))] = rng.choice(vocab)
            elif op < 0.4 and hyp:
                del hyp[rng.randrange(len(hyp))]
            elif op < 0.55:
                hyp.insert(rng.randint(0, len(hyp)), rng.choice(vocab))
            elif op < 0.7 and len(hyp) > 1:
                i, j = rng.randrange(len(hyp)), rng.randrange(len(hyp))
                hyp[i], hyp[j] = hyp[j], hyp[i]
            elif op < 0.85 and hyp:
                i = rng.randrange(len(hyp))
                hyp[i] = hyp[i].upper() if rng.random() < 0.5 else hyp[i].capitalize()
            elif hyp:
                i = rng.randrange(len(hyp))
                hyp[i] = hyp[i] + rng.choice(punct)
        if rng.random() < 0.15:
            hyp = hyp + [rng.choice(vocab) for _ in range(rng.randint(5, 20))]  # long-vs-short (partial ratios)
        out.append((f"random_{k:03d}", " ".join(hyp), " ".join(ref)))
    return out


# ---------------------------------------------------------------- rouge-score re-implementation
def rouge_tokenize(text: str) -> list[str]:
    text = text.lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    tokens = re.split(r"\s+", text)
    return [t for t in tokens if re.match(r"^[a-z0-9]+$", t)]


def _fmeasure(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def rouge_n(target: str, prediction: str, n: int) -> float:
    def grams(toks):
        return Counter(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))

    t, p = grams(rouge_tokenize(target)), grams(rouge_tokenize(prediction))
    inter = sum(min(c, p[g]) for g, c in t.items())
    precision = inter / max(sum(p.values()), 1)
    recall = inter / max(sum(t.values()), 1)
    return _fmeasure(precision, recall)


def rouge_l(target: str, prediction: str) -> float:
    t, p = rouge_tokenize(target), rouge_tokenize(prediction)
    if not t or not p:
        return 0.0
    table = [[0] * (len(p) + 1) for _ in range(len(t) + 1)]
    for i in range(1, len(t) + 1):
        for j in range(1, len(p) + 1):
            table[i][j] = table[i - 1][j - 1] + 1 if t[i - 1] == p[j - 1] else max(table[i - 1][j], table[i][j - 1])
    lcs = table[-1][-1]
    return _fmeasure(lcs / len(p), lcs / len(t))


# ---------------------------------------------------------------- rapidfuzz WRatio re-implementation
def default_process(s: str) -> str:
    # rapidfuzz C++ default_process: per code point, alnum (str.isalnum) -> simple lower-case mapping, else ' '; then strip.
    out = []
    for ch in s:
        if ch.isalnum():
            lo = ch.lower()
            out.append(lo if len(lo) == 1 else ch if ch != "\u0130" else "i")
        else:
            out.append(" ")
    return "".join(out).strip(" ")


def lcs_len(a, b) -> int:
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def indel_norm_sim(a, b) -> float:
    lensum = len(a) + len(b)
    if lensum == 0:
        return 1.0
    dist = lensum - 2 * lcs_len(a, b)
    return 1.0 - dist / lensum


def ratio(a, b) -> float:
    return indel_norm_sim(a, b) * 100


def _partial_impl(s1, s2) -> float:
    # s1 shorter; all alignments that can be optimal (windows sliding in from the left, full windows, sliding out)
    len1, len2 = len(s1), len(s2)
    chars = set(s1)
    best = 0.0
    for i in range(1, len1):
        if s2[i - 1] in chars:
            best = max(best, indel_norm_sim(s1, s2[:i]))
    for i in range(len2 - len1):
        if s2[i + len1 - 1] in chars:
            best = max(best, indel_norm_sim(s1, s2[i : i + len1]))
    for i in range(len2 - len1, len2):
        if s2[i] in chars:
            best = max(best, indel_norm_sim(s1, s2[i:]))
    return best * 100


def partial_ratio(s1, s2) -> float:
    if not s1 and not s2:
        return 100.0
    if not s1 or not s2:
        return 0.0
    shorter, longer = (s1, s2) if len(s1) <= len(s2) else (s2, s1)
    res = _partial_impl(shorter, longer)
    if res != 100 and len(s1) == len(s2):
        res = max(res, _partial_impl(longer, shorter))
    return res


def _sorted_join(tokens) -> str:
    return " ".join(sorted(tokens))


def token_sort_ratio(s1, s2) -> float:
    return ratio(_sorted_join(s1.split()), _sorted_join(s2.split()))


def _norm_distance(dist, lensum) -> float:
    return (100 - 100 * dist / lensum) if lensum else 100


def token_set_ratio(s1, s2) -> float:
    a, b = set(s1.split()), set(s2.split())
    if not a or not b:
        return 0
    inter, ab, ba = a & b, a - b, b - a
    if inter and (not ab or not ba):
        return 100
    ab_j, ba_j = _sorted_join(ab), _sorted_join(ba)
    sect_len = len(" ".join(inter))
    sect_ab_len = sect_len + (sect_len != 0) + len(ab_j)
    sect_ba_len = sect_len + (sect_len != 0) + len(ba_j)
    dist = len(ab_j) + len(ba_j) - 2 * lcs_len(ab_j, ba_j)
    result = _norm_distance(dist, sect_ab_len + sect_ba_len)
    if not sect_len:
        return result
    r_ab = _norm_distance((sect_len != 0) + len(ab_j), sect_len + sect_ab_len)
    r_ba = _norm_distance((sect_len != 0) + len(ba_j), sect_len + sect_ba_len)
    return max(result, r_ab, r_ba)


def partial_token_ratio(s1, s2) -> float:
    ta, tb = s1.split(), s2.split()
    a, b = set(ta), set(tb)
    if a & b:
        return 100
    ab, ba = a - b, b - a
    result = partial_ratio(_sorted_join(ta), _sorted_join(tb))
    if len(ta) == len(ab) and len(tb) == len(ba):
        return result
    return max(result, partial_ratio(_sorted_join(ab), _sorted_join(ba)))


def wratio(s1: str, s2: str) -> float:
    s1, s2 = default_process(s1), default_process(s2)
    if not s1 or not s2:
        return 0
    len1, len2 = len(s1), len(s2)
    len_ratio = len1 / len2 if len1 > len2 else len2 / len1
    end = ratio(s1, s2)
    if len_ratio < 1.5:
        return max(end, max(token_set_ratio(s1, s2), token_sort_ratio(s1, s2)) * 0.95)
    scale = 0.9 if len_ratio < 8.0 else 0.6
    end = max(end, partial_ratio(s1, s2) * scale)
    return max(end, partial_token_ratio(s1, s2) * 0.95 * scale)


# ---------------------------------------------------------------- main
def main() -> None:
    wn = open_reader("/usr/share/wordnet")
    try:
        from thefuzz import fuzz as thefuzz_fuzz
        from thefuzz import utils as thefuzz_utils
        import thefuzz
    except ImportError:
        thefuzz_fuzz = None

    cases = []
    for cid, out, ref in PAIRS + random_pairs():
        ho, rt = out.split(), ref.split()
        scores = {
            "fuzzy_match": wratio(out, ref) / 100,
            "bleu": float(sentence_bleu([rt], ho)),
            "gleu": float(sentence_gleu([rt], ho)),
            "meteor": float(single_meteor_score(rt, ho, wordnet=wn)),
            **{f"rouge_{n}": rouge_n(ref, out, n) for n in range(1, 6)},
            "rouge_l": rouge_l(ref, out),
        }
        case = {"id": cid, "output": out, "reference": ref, "scores": scores}
        if thefuzz_fuzz is not None:
            case["thefuzz_wratio"] = thefuzz_fuzz.WRatio(out, ref, force_ascii=False, full_process=True)
        cases.append(case)

    meta = {
        "generator": "packages/evals/scripts/metric_fixtures.py",
        "python": sys.version.split()[0],
        "nltk": nltk.__version__,
        "wordnet": f"WordNet {wn.get_version()} (Debian wordnet-base, read by nltk WordNetCorpusReader)",
        "thefuzz": getattr(sys.modules.get("thefuzz"), "__version__", None),
        "bleu": "nltk sentence_bleu([reference.split()], output.split()), weights (0.25,)*4, no smoothing (SmoothingFunction().method0)",
        "gleu": "nltk sentence_gleu([reference.split()], output.split()), min_len 1, max_len 4",
        "meteor": "nltk single_meteor_score(reference.split(), output.split()), alpha 0.9, beta 3, gamma 0.5, PorterStemmer(NLTK_EXTENSIONS), WordNet 3.0",
        "rouge": "re-implementation of rouge-score RougeScorer(use_stemmer=False) fmeasure (package not installable here)",
        "fuzzy_match": "re-implementation of rapidfuzz fuzz.WRatio(processor=default_process)/100, exhaustive partial_ratio (rapidfuzz not installable here); thefuzz_wratio = thefuzz 0.19 WRatio (integer) cross-check",
    }
    with open(os.path.join(FIXTURES, "text-similarity.json"), "w") as f:
        json.dump({"meta": meta, "cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")

    # Porter stemmer vectors: tricky words + a deterministic sample of WordNet lemmas.
    stemmer = PorterStemmer()
    words = sorted({w for w in wn._lemma_pos_offset_map if w.isalpha()})
    sample = words[:: max(1, len(words) // 3000)]
    tricky = """sky skies dying lying tying news innings inning outings outing cannings canning howe proceed exceed succeed
    generously generous caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated troubled sized
    hopping tanned falling hissing fizzed failing filing happy sky cry by say relational conditional rational valenci hesitanci
    digitizer conformabli radicalli differentli vileli analogousli vietnamization predication operator feudalism decisiveness
    hopefulness callousness formaliti sensitiviti sensibiliti triplicate formative formalize electriciti electrical hopeful
    goodness revival allowance inference airliner gyroscopic adjustable defensible irritant replacement adjustment dependent
    adoption homologou communism activate angulariti homologous effective bowdlerize probate rate cease controlling rolling
    generalizations oscillators mississippi ied tied died cried lied spied dies fully fulli logi analogi quickly running ran
    runs happily happiness was is are been being having had has does did doing done quick fast large big automobile""".split()
    vectors = {w: stemmer.stem(w) for w in tricky + sample}
    with open(os.path.join(FIXTURES, "porter-stems.json"), "w") as f:
        json.dump({"meta": {"nltk": nltk.__version__, "mode": "PorterStemmer() default NLTK_EXTENSIONS"}, "stems": vectors}, f, indent=0)
        f.write("\n")
    print(f"{len(cases)} cases, {len(vectors)} stems")


if __name__ == "__main__":
    main()
