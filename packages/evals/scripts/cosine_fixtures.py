"""Reference cosine similarities (fixtures/cosine.json): numpy's dot(a, b) / (norm(a) * norm(b)) of seeded vector
pairs (dimensions 1 to 1536, including near-parallel, opposite, tiny- and huge-magnitude pairs).

Dev machine only: /usr/bin/python3 packages/evals/scripts/cosine_fixtures.py
"""

import json
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "cosine.json"


def main() -> None:
    rng = np.random.default_rng(2026)
    pairs = []
    for dim in (1, 2, 3, 16, 64, 384, 1536):
        a = rng.normal(size=dim)
        pairs.append((a, rng.normal(size=dim)))
        pairs.append((a, a + 1e-3 * rng.normal(size=dim)))
        pairs.append((a, -a * 3.0))
        pairs.append((a * 1e-20, rng.normal(size=dim) * 1e20))
    cases = [
        {"a": a.tolist(), "b": b.tolist(), "cosine": float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))} for a, b in pairs
    ]
    OUT.write_text(json.dumps({"generator": f"scripts/cosine_fixtures.py, numpy {np.__version__}", "cases": cases}) + "\n")
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
