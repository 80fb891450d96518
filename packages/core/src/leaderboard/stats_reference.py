# Reference values for compare.test.ts and leaderboard.test.ts (run: python3 stats_reference.py > stats.fixture.json;
# needs numpy and scipy). Written apart from the TypeScript: the runs' scores are declared here, and the figures compare()
# and the leaderboard must report are computed from them with a Python port of mulberry32 replaying the documented draw
# order (one index floor(u * n) per slot), numpy's percentile (linear, as quantileSorted) and scipy's binomial test.
#   - paired delta (compare, per grader): pairs where either grade errored are left out; differences b - a in A's item
#     order; interval: 2,000 resamples, seed 0, 2.5/97.5 percentiles; p-value: the paired sign-flip test,
#     scipy.stats.permutation_test enumerating every sign pattern of the differences (two-sided on the mean);
#     McNemar: binomtest(min(b, c), b + c, 0.5).
#   - leaderboard interval (a run's primary metric): bootstrap of the item scores, 2,000 resamples, seed 0.
import json

import numpy as np
from scipy import stats


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


def boot_means(values, seed, resamples=2000, shift=0.0):
    rng = mulberry32(seed)
    n = len(values)
    values = np.asarray(values, float)
    out = np.empty(resamples)
    for r in range(resamples):
        out[r] = values[[int(rng() * n) for _ in range(n)]].sum() / n + shift
    return np.sort(out)


def interval(values, seed=0):
    m = boot_means(values, seed)
    return {"low": float(np.percentile(m, 2.5)), "high": float(np.percentile(m, 97.5))}


def paired(a, b):
    d = np.array(b, float) - np.array(a, float)
    observed = float(d.mean())
    p = float(
        stats.permutation_test(
            (d,),
            lambda x, axis: np.mean(x, axis=axis),
            permutation_type="samples",
            vectorized=True,
            n_resamples=np.inf,
            alternative="two-sided",
        ).pvalue
    )
    return {"n": len(d), "mean": observed, "ci": interval(d, 0), "pValue": p}


# Two runs on a 12-item test split (item ids "1".."12"); grader `exact` (primary, 0/1) and `sim` (0..1, passes at 0.5).
# None: the grade errored.
runs = {
    "a": {"exact": [1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1], "sim": [0.9, 0.8, 0.3, 0.7, 0.2, 0.85, 0.6, 0.1, 0.4, 0.95, 0.35, 0.9]},
    "b": {"exact": [1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1], "sim": [0.95, 0.4, 0.7, 0.9, 0.55, 0.3, None, 0.8, 0.9, 1.0, 0.75, 0.45]},
}
ids = [str(i + 1) for i in range(12)]


def grader_comparison(name, passes):
    a, b = runs["a"][name], runs["b"][name]
    kept = [i for i in range(len(ids)) if a[i] is not None and b[i] is not None]
    pa = [a[i] for i in kept]
    pb = [b[i] for i in kept]
    regressed = [ids[i] for i in kept if passes(a[i]) and not passes(b[i])]
    improved = [ids[i] for i in kept if not passes(a[i]) and passes(b[i])]
    k, n = min(len(regressed), len(improved)), len(regressed) + len(improved)
    return {
        "n": len(kept),
        "excluded": len(ids) - len(kept),
        "meanA": float(np.mean(pa)),
        "meanB": float(np.mean(pb)),
        "delta": paired(pa, pb),
        "mcnemarP": 1.0 if n == 0 else float(stats.binomtest(k, n, 0.5).pvalue),
        "regressed": regressed,
        "improved": improved,
    }


compare = {
    "runs": runs,
    "graders": {
        "exact": grader_comparison("exact", lambda s: s == 1),
        "sim": grader_comparison("sim", lambda s: s >= 0.5),
    },
}

# The leaderboard's runs: `samplesAtPassRate(40, rate)` (item i passes when (i * 0.618034) mod 1 < rate).
ranking = {}
for rate in [0.8, 0.6, 0.3]:
    scores = [1.0 if (i * 0.618034) % 1 < rate else 0.0 for i in range(40)]
    ranking[str(rate)] = {"mean": float(np.mean(scores)), "interval": interval(scores)}

print(json.dumps({"compare": compare, "ranking": ranking}))
