"""Reference values for BLEU with NLTK's smoothing functions (fixtures/bleu-smoothing.json).

For every output/reference pair of fixtures/text-similarity.json plus a few short answers, the score of
nltk.translate.bleu_score.sentence_bleu([reference.split()], output.split(), smoothing_function=...) for
method0 (stored as "none") and method1 ... method7 with NLTK's default SmoothingFunction() parameters.
A method NLTK refuses (method6 asserts a non-zero trigram precision) is stored as the string "error".

Dev machine only (never in CI): apt-get install -y python3-nltk
  /usr/bin/python3 packages/evals/scripts/bleu_smoothing_fixtures.py
"""

import json
import pathlib
import warnings

import nltk
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

HERE = pathlib.Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"

SHORT = [
    ("issue-example", "The cat sat on the mat.", "On the mat, the cat was sitting."),
    ("short-identical", "refund was issued", "refund was issued"),
    ("one-token", "billing", "billing"),
    ("one-token-miss", "billing", "shipping"),
    ("two-tokens", "billing team", "the billing team"),
    ("label", '{"team": "billing"}', '{"team": "billing", "priority": "high"}'),
]


def main() -> None:
    warnings.simplefilter("ignore")  # method0 warns on every order without matches
    cases = [(c["id"], c["output"], c["reference"]) for c in json.loads((FIXTURES / "text-similarity.json").read_text())["cases"]]
    smoothing = SmoothingFunction()
    methods = {"none": smoothing.method0, **{f"method{i}": getattr(smoothing, f"method{i}") for i in range(1, 8)}}
    out = []
    for case_id, output, reference in SHORT + cases:
        scores = {}
        for name, fn in methods.items():
            try:
                scores[name] = sentence_bleu([reference.split()], output.split(), smoothing_function=fn)
            except AssertionError:
                scores[name] = "error"
        out.append({"id": case_id, "output": output, "reference": reference, "scores": scores})
    doc = {"generator": f"scripts/bleu_smoothing_fixtures.py, NLTK {nltk.__version__}", "cases": out}
    (FIXTURES / "bleu-smoothing.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(out)} cases written")


if __name__ == "__main__":
    main()
