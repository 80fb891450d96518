# Reference values for trials.test.ts (run: python3 trials_reference.py > trials.fixture.json; needs numpy).
# Written apart from trials.ts: a Python port of mulberry32 replays the documented draw order of the two-level
# bootstrap (per resample, per slot: item = floor(u*n), then k_i trial indices floor(u*k_i); for pairs A's draws then
# B's), np.percentile gives the interval; the conditional variance of the resampled mean is computed in closed form and
# checked here against numpy's own generator (a different random stream), so the draws and the formula are both
# checked by something other than the TypeScript code. The paired p-value is an exact sign-flip enumeration.
import json
import numpy as np


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


def two_level_means(groups, seed, B=2000, shift=0.0):
    rng = mulberry32(seed)
    n = len(groups)
    out = np.empty(B)
    for r in range(B):
        total = 0.0
        for _ in range(n):
            g = groups[int(rng() * n)]
            k = len(g)
            total += sum(g[int(rng() * k)] for _ in range(k)) / k
        out[r] = total / n + shift
    return np.sort(out)


def paired_means(pairs, seed, B=2000, shift=0.0):
    rng = mulberry32(seed)
    n = len(pairs)
    out = np.empty(B)
    for r in range(B):
        total = 0.0
        for _ in range(n):
            a, b = pairs[int(rng() * n)]
            ma = sum(a[int(rng() * len(a))] for _ in range(len(a))) / len(a)
            mb = sum(b[int(rng() * len(b))] for _ in range(len(b))) / len(b)
            total += mb - ma
        out[r] = total / n + shift
    return np.sort(out)


def closed_form_variance(groups):
    means = np.array([np.mean(g) for g in groups])
    n = len(groups)
    between = np.mean((means - means.mean()) ** 2)
    within = np.mean([np.sum((np.array(g) - np.mean(g)) ** 2) / len(g) ** 2 for g in groups])
    return (between + within) / n


def numpy_two_level_variance(groups, B=200_000, seed=1):
    gen = np.random.default_rng(seed)
    n = len(groups)
    k = len(groups[0])  # balanced groups only
    data = np.array(groups, float)
    items = gen.integers(0, n, size=(B, n))
    trials = gen.integers(0, k, size=(B, n, k))
    resampled = data[items[..., None], trials].mean(axis=2).mean(axis=1)
    return float(resampled.var())


prng = mulberry32(11)
# 30 items x 4 trials of a sampled model: a pass/fail item-level effect plus trial noise
flaky = [[1.0 if prng() < p else 0.0 for _ in range(4)] for p in [prng() for _ in range(30)]]
# the same item means with no trial variance (each trial scores the item mean)
steady = [[float(np.mean(g))] * 4 for g in flaky]
# continuous scores, unbalanced trials (an errored trial dropped)
uneven = [[round(prng(), 3) for _ in range(3 if i % 5 else 2)] for i in range(25)]

out = {"cases": [], "pairs": []}
for name, groups, seed in [("flaky", flaky, 5), ("steady", steady, 5), ("uneven", uneven, 9)]:
    m = two_level_means(groups, seed)
    out["cases"].append({
        "name": name,
        "groups": groups,
        "seed": seed,
        "mean": float(np.mean([np.mean(g) for g in groups])),
        "low": float(np.percentile(m, 2.5)),
        "high": float(np.percentile(m, 97.5)),
        "closedFormVariance": float(closed_form_variance(groups)),
    })

# the closed form against numpy's own generator (balanced cases): relative error printed to stderr
import sys
for case in out["cases"][:2]:
    mc = numpy_two_level_variance(case["groups"])
    print(case["name"], "closed form", case["closedFormVariance"], "numpy MC", mc, file=sys.stderr)
    assert abs(mc - case["closedFormVariance"]) <= 0.02 * case["closedFormVariance"] + 1e-12

# paired: A = flaky, B = A with a few items improved in some trials
pairs = []
for i, g in enumerate(flaky):
    b = [1.0 if (i % 3 == 0 and t < 3) else y for t, y in enumerate(g)]
    pairs.append((g, b[:3] if i % 7 == 0 else b))
d = [np.mean(b) - np.mean(a) for a, b in pairs]
obs = float(np.mean(d))
m = paired_means(pairs, 3)
# the p-value: the paired sign-flip test of the item differences, every sign pattern of the items that changed
# enumerated (zeros look the same under either sign); swapping which run gave an item's trials flips its difference
changed = np.abs(np.array(d)[np.abs(d) > 1e-12])
assert len(changed) <= 20, "the TypeScript enumerates up to 20 changed items"
signs = np.where((np.arange(2 ** len(changed))[:, None] >> np.arange(len(changed))) & 1, 1.0, -1.0)
p = np.mean(np.abs(signs @ changed) >= abs(np.sum(d)) - 1e-9 * changed.sum())
out["pairs"].append({
    "a": [a for a, _ in pairs],
    "b": [b for _, b in pairs],
    "seed": 3,
    "mean": obs,
    "low": float(np.percentile(m, 2.5)),
    "high": float(np.percentile(m, 97.5)),
    "pValue": float(p),
})
print(json.dumps(out))
