# Reference p-values of the paired sign-flip test for sign-flip.test.ts (run: python3 sign_flip_reference.py >
# sign-flip.fixture.json; needs numpy and scipy). Written apart from the TypeScript (sign-flip.ts): the differences are
# declared here and their p-values computed three independent ways:
#   - "exact": scipy.stats.permutation_test on the one sample of differences (permutation_type "samples" flips signs),
#     every pattern enumerated (n_resamples=inf), two-sided on the mean; checked against an own enumeration of the
#     patterns of the nonzero differences (zeros look the same under either sign, so leaving them out changes nothing).
#   - "binomial": differences taking a few magnitudes: P(|Σ ±|d|| ≥ |Σ d|) summed exactly over the binomial counts of
#     positive signs per magnitude (Python's integers and fractions), for sizes no enumeration reaches (10,000 pairs).
#   - "scipy-mc": continuous differences too many to enumerate: scipy's own Monte Carlo with 200,000 resamples; "se"
#     is its standard error.
# The TypeScript enumerates up to 20 changed pairs and draws 10,000 random patterns above: the test takes the exact
# figure as is, and a drawn one within Monte Carlo error (a few standard errors of both estimates).
import itertools
import json
from fractions import Fraction
from math import comb

import numpy as np
from scipy import stats

REL_TIE = 1e-9


def own_enumeration(d):
    d = np.asarray(d, float)
    a = np.abs(d[np.abs(d) > 1e-12])
    if len(a) == 0:
        return 1.0
    observed = abs(d.sum())
    # every sign pattern as a row of ±1 (bit k of the pattern's number is the sign of a[k])
    patterns = np.arange(2 ** len(a))[:, None]
    signs = np.where((patterns >> np.arange(len(a))) & 1, 1.0, -1.0)
    sums = np.abs(signs @ a)
    return float(np.mean(sums >= observed - REL_TIE * a.sum()))


def scipy_exact(d):
    res = stats.permutation_test(
        (np.asarray(d, float),),
        lambda x, axis: np.mean(x, axis=axis),
        permutation_type="samples",
        vectorized=True,
        n_resamples=np.inf,
        alternative="two-sided",
        batch=2**15,
    )
    return float(res.pvalue)


def binomial_exact(groups):
    """groups: [(integer magnitude, count of +, count of -)]: exact two-sided p of the sign-flip test."""
    observed = abs(sum(v * (up - down) for v, up, down in groups))
    m = sum(up + down for _, up, down in groups)
    # the distribution of the pattern's sum, as integer weights (the number of patterns per sum), one magnitude at a time
    weights = {0: 1}
    for v, up, down in groups:
        c = up + down
        step = {v * (2 * k - c): comb(c, k) for k in range(c + 1)}
        convolved = {}
        for s0, w0 in weights.items():
            for s1, w1 in step.items():
                convolved[s0 + s1] = convolved.get(s0 + s1, 0) + w0 * w1
        weights = convolved
    assert sum(weights.values()) == 2**m
    return float(Fraction(sum(w for s, w in weights.items() if abs(s) >= observed), 2**m))


def expand(groups, scale, zeros, rng):
    d = [v / scale for v, up, _ in groups for _ in range(up)] + [-v / scale for v, _, down in groups for _ in range(down)]
    d += [0.0] * zeros
    rng.shuffle(d)
    return d


cases = []
rng = np.random.default_rng(20251204)

exact_inputs = {
    "one changed": [1.0],
    "one changed among unchanged": [0.0, 0.0, -1.0, 0.0],
    "three all dropped": [-0.5, -0.5, -0.5],
    "signs cancel": [1.0, -1.0, 0.5, -0.5],
    "ties at the observed sum": [1.0, 1.0, 1.0, -1.0, 1.0, 0.0, 1.0],
    # paired.test.ts's runs: b - a
    "ten pairs, eight changed": list(
        np.array([0.4, 0.5, 1.0, 0.6, 0.9, 0.3, 0.3, 1.0, 0.9, 0.8]) - np.array([0.2, 0.5, 0.9, 0.4, 1.0, 0.0, 0.3, 0.8, 0.6, 0.7])
    ),
    "twelve continuous": [float(x) for x in np.round(rng.normal(0.1, 0.3, 12), 4)],
    "twenty changed (the most enumerated)": [float(x) for x in np.round(rng.normal(0.08, 0.3, 20), 3)],
    "twenty changed among zeros": [float(x) for x in rng.choice([-1.0, -0.5, 0.5, 1.0, 1.0], 20)] + [0.0, 0.0],
}
for name, d in exact_inputs.items():
    own = own_enumeration(d)
    p = scipy_exact(d) if len(d) >= 2 else own  # scipy takes no sample of one
    assert abs(p - own) < 1e-12, (name, p, own)
    cases.append({"name": name, "kind": "exact", "differences": [float(x) for x in d], "pValue": p})

# magnitudes as integers over `scale`: (magnitude, pairs up, pairs down)
binomial_inputs = [
    ("21 changed, one magnitude (sign test)", [(1, 15, 6)], 1, 3),
    ("30 changed, one magnitude (sign test)", [(1, 20, 10)], 1, 10),
    ("60 changed, two magnitudes", [(2, 18, 12), (1, 12, 18)], 2, 0),
    ("10,000 pairs, 1,500 changed (0/1 scores)", [(1, 790, 710)], 1, 8500),
    ("10,000 pairs, three magnitudes", [(4, 300, 270), (2, 500, 470), (1, 800, 820)], 4, 6840),
]
for name, groups, scale, zeros in binomial_inputs:
    d = expand(groups, scale, zeros, rng)
    p = binomial_exact(groups)
    if len(d) <= 22:
        assert abs(p - scipy_exact(d)) < 1e-12, name
    # the sign test is the one-magnitude case: scipy's binomial test agrees
    if len(groups) == 1:
        _, up, down = groups[0]
        assert abs(p - stats.binomtest(up, up + down, 0.5).pvalue) < 1e-12, name
    cases.append({"name": name, "kind": "binomial", "differences": d, "pValue": p})

for name, size, shift in [("200 continuous", 200, 0.03), ("2,000 continuous", 2000, 0.012)]:
    d = [float(x) for x in np.round(rng.normal(shift, 0.3, size), 4)]
    res = stats.permutation_test(
        (np.asarray(d),),
        lambda x, axis: np.mean(x, axis=axis),
        permutation_type="samples",
        vectorized=True,
        n_resamples=200_000,
        alternative="two-sided",
        batch=2_000,
        rng=np.random.default_rng(0),
    )
    p = float(res.pvalue)
    cases.append({"name": name, "kind": "scipy-mc", "differences": d, "pValue": p, "se": (p * (1 - p) / 200_000) ** 0.5})

print(json.dumps({"cases": cases}))
