# Reference for learning-curve.ts (run: /usr/bin/python3 learning_curve_reference.py; needs python3-scipy, python3-numpy).
# Writes learning-curve.fixture.json: seeded binary per-item scores of four experiments drawn from a known
# saturating curve, scipy's least-squares fit of y = a - b * n**-c (a <= 1, c in [0.01, 3]; curve_fit's trust-region
# solver from several starting points, keeping the best), and the paired item-bootstrap percentile intervals
# of the projections and the asymptote with the same mulberry32 resample indices as the TypeScript.
import json
import pathlib

import numpy as np
from scipy.optimize import curve_fit


def mulberry32(seed):
    state = seed & 0xFFFFFFFF

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def nxt():
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return nxt


def model(n, a, b, c):
    return a - b * n ** (-c)


def fit(ns, ys):
    best = None
    for c0 in (0.05, 0.2, 0.5, 1.0, 2.0):
        x = ns ** (-c0)
        slope, intercept = np.polyfit(x, ys, 1)
        try:
            p, _ = curve_fit(model, ns, ys, p0=(min(intercept, 1.0 - 1e-9), -slope, c0), bounds=([-np.inf, -np.inf, 0.01], [1.0, np.inf, 3.0]),
                             method="trf", xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=20000)
        except RuntimeError:
            continue
        sse = float(((ys - model(ns, *p)) ** 2).sum())
        if best is None or sse < best[1]:
            best = (p, sse)
    return best


def main():
    rng = np.random.default_rng(7)
    ns = np.array([50.0, 100.0, 200.0, 400.0, 800.0])
    true = (0.92, 1.6, 0.45)
    m = 300
    # per-item difficulty shared by every experiment (paired items), so the points are correlated as real runs are
    difficulty = rng.normal(0, 1.0, m)
    scores = []
    for n in ns:
        p = model(n, *true)
        logit = np.log(p / (1 - p)) - difficulty
        scores.append((rng.random(m) < 1 / (1 + np.exp(-logit))).astype(float).tolist())
    scores = np.array(scores)
    ys = scores.mean(axis=1)
    (a, b, c), sse = fit(ns, ys)
    at = [1600.0, 3200.0]
    resamples, seed = 300, 3
    rnd = mulberry32(seed)
    proj = [[] for _ in at]
    asym = []
    for _ in range(resamples):
        idx = np.array([int(rnd() * m) for _ in range(m)])
        p, _ = fit(ns, scores[:, idx].mean(axis=1))
        for j, n in enumerate(at):
            proj[j].append(model(n, *p))
        asym.append(p[0])
    out = {
        "generator": "stats/learning_curve_reference.py (scipy curve_fit, method trf)",
        "series": [{"n": float(n), "scores": s} for n, s in zip(ns, scores.tolist())],
        "fit": {"a": a, "b": b, "c": c, "sse": sse},
        "at": at,
        "resamples": resamples,
        "seed": seed,
        "projections": [
            {"n": n, "y": float(model(n, a, b, c)), "low": float(np.percentile(v, 2.5)), "high": float(np.percentile(v, 97.5))}
            for n, v in zip(at, proj)
        ],
        "asymptote": {"y": a, "low": float(np.percentile(asym, 2.5)), "high": float(np.percentile(asym, 97.5))},
    }
    path = pathlib.Path(__file__).with_name("learning-curve.fixture.json")
    path.write_text(json.dumps(out) + "\n")
    print(json.dumps({k: out[k] for k in ("fit", "projections", "asymptote")}, indent=1))


if __name__ == "__main__":
    main()
