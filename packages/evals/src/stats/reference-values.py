# Reference values for the stats tests (run: python3 reference-values.py; needs python3-scipy, python3-numpy).
# Prints the figures committed in wilson/mcnemar/bootstrap/paired tests and normal-sample.fixture.ts.
import numpy as np
from scipy import stats

def mulberry32(seed):
    state = seed & 0xFFFFFFFF
    def imul(a, b): return (a * b) & 0xFFFFFFFF
    def nxt():
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296
    return nxt

print("first prng", [mulberry32(42)() for _ in range(1)], end=" ")
r = mulberry32(42); print([r() for _ in range(5)])

for k, n in [(0, 10), (10, 10), (7, 20), (81, 263), (1, 1)]:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    print("wilson", k, n, repr(ci.low), repr(ci.high))

def boot_means(values, seed, B=2000, shift=0.0):
    rng = mulberry32(seed); n = len(values); values = np.asarray(values, float)
    out = []
    for _ in range(B):
        idx = [int(rng() * n) for _ in range(n)]
        out.append(values[idx].sum() / n + shift)
    return np.sort(np.array(out))

vals = [0.0, 0.25, 0.5, 1.0, 1.0, 0.75, 0.0, 1.0, 0.5, 0.9, 0.1, 0.3]
m = boot_means(vals, 7)
print("boot", repr(np.percentile(m, 2.5)), repr(np.percentile(m, 97.5)))

for k, n in [(0,0),(3, 10), (1, 12), (25, 40), (480, 1000)]:
    b, c = k, n - k
    p = 1.0 if n == 0 else stats.binomtest(min(b, c), n, 0.5).pvalue
    print("mcnemar", b, c, repr(p))

a = [0.2, 0.5, 0.9, 0.4, 1.0, 0.0, 0.3, 0.8, 0.6, 0.7]
bb = [0.4, 0.5, 1.0, 0.6, 0.9, 0.3, 0.3, 1.0, 0.9, 0.8]
d = np.array(bb) - np.array(a)
obs = d.mean()
m = boot_means(d, 3)
# p-value: the paired sign-flip test, every sign pattern enumerated by scipy (sign_flip_reference.py has more cases)
p = stats.permutation_test((d,), lambda x, axis: np.mean(x, axis=axis), permutation_type="samples", vectorized=True,
                           n_resamples=np.inf, alternative="two-sided").pvalue
print("paired", repr(obs), repr(np.percentile(m, 2.5)), repr(np.percentile(m, 97.5)), "sign-flip p", repr(p))

# sanity vs scipy for a bigger normal sample
rs = np.random.default_rng(1)
x = np.round(rs.normal(0.05, 0.3, 200), 4)
print("normal200", ",".join(repr(float(v)) for v in x))
print("ttest p", repr(stats.ttest_1samp(x, 0).pvalue))
bs = stats.bootstrap((x,), np.mean, method="percentile", n_resamples=20000, random_state=0).confidence_interval
print("scipy boot", repr(bs.low), repr(bs.high))
