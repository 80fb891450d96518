# Reference for binomial.test.ts and multinomial-bootstrap.test.ts (run: python3 binomial_reference.py; the standard
# library only). Writes binomial.fixture.json, computed apart from the TypeScript and without sampling anything:
#   - binomial: exact probabilities of Binomial(n, p) for rational p (Python's integers: C(n,k)·a^k·(d−a)^(n−k) / d^n,
#     correctly rounded to a float), grouped into bins that each expect at least MIN_EXPECTED of the test's draws;
#   - bootstrap: the exact distribution of the sum of a bootstrap resample (n draws with replacement from a small
#     sample), by convolving the sample's value distribution n times in exact fractions, grouped the same way;
#   - for each case the chi-square critical value at ALPHA for its degrees of freedom (the regularized incomplete
#     gamma function, series and continued fraction, inverted by bisection) and the Kolmogorov-Smirnov bound at ALPHA.
import json
import math
import pathlib
from fractions import Fraction

ALPHA = 1e-4
MIN_EXPECTED = 20
DRAWS = 200_000


def binomial_pmf(n, a, d):
    """P(X = k) for k = 0..n, X ~ Binomial(n, a/d), each correctly rounded from the exact fraction."""
    b = d - a
    denominator = d**n
    out = []
    comb = 1
    for k in range(n + 1):
        if k > 0:
            comb = comb * (n - k + 1) // k
        out.append(comb * a**k * b ** (n - k) / denominator)
    return out


def windowed_binomial_pmf(n, a, d):
    """As binomial_pmf, but only within 12 standard deviations of the mean (the rest is below 1e-30 and left at 0)."""
    p = a / d
    sd = math.sqrt(n * p * (1 - p))
    low = max(0, math.floor(n * p - 12 * sd - 12))
    high = min(n, math.ceil(n * p + 12 * sd + 12))
    b = d - a
    denominator = d**n
    out = [0.0] * (n + 1)
    comb = math.comb(n, low)
    for k in range(low, high + 1):
        if k > low:
            comb = comb * (n - k + 1) // k
        out[k] = comb * a**k * b ** (n - k) / denominator
    return out


def bins_of(pmf, draws):
    """Consecutive outcomes merged until each bin expects MIN_EXPECTED draws; the tails join their neighbours."""
    bins = []
    start = 0
    mass = 0.0
    for k, prob in enumerate(pmf):
        mass += prob
        if mass * draws >= MIN_EXPECTED:
            bins.append([start, k, mass])
            start = k + 1
            mass = 0.0
    if bins:
        bins[-1][1] = len(pmf) - 1
        bins[-1][2] += mass
    else:
        bins.append([0, len(pmf) - 1, mass])
    return [{"from": lo, "to": hi, "probability": prob} for lo, hi, prob in bins]


def lower_gamma_regularized(s, x):
    """P(s, x), the regularized lower incomplete gamma function (Numerical Recipes' gser / gcf)."""
    if x <= 0:
        return 0.0
    gln = math.lgamma(s)
    if x < s + 1:
        term = total = 1.0 / s
        ap = s
        for _ in range(10_000):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-17:
                break
        return total * math.exp(-x + s * math.log(x) - gln)
    tiny = 1e-300
    b = x + 1 - s
    c = 1 / tiny
    dd = 1 / b
    h = dd
    for i in range(1, 10_000):
        an = -i * (i - s)
        b += 2
        dd = an * dd + b
        dd = tiny if abs(dd) < tiny else dd
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        dd = 1 / dd
        delta = dd * c
        h *= delta
        if abs(delta - 1) < 1e-17:
            break
    return 1 - math.exp(-x + s * math.log(x) - gln) * h


def chi_square_critical(df, alpha):
    """x with P(chi-square(df) > x) = alpha."""
    low, high = 0.0, df + 100 * math.sqrt(df) + 100
    for _ in range(200):
        mid = (low + high) / 2
        if 1 - lower_gamma_regularized(df / 2, mid / 2) > alpha:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def ks_critical(draws, alpha):
    """The asymptotic one-sample Kolmogorov-Smirnov bound (conservative for a discrete distribution)."""
    return math.sqrt(-math.log(alpha / 2) / 2) / math.sqrt(draws)


def binomial_case(n, a, d, draws=DRAWS):
    pmf = binomial_pmf(n, a, d) if n <= 2_000 else windowed_binomial_pmf(n, a, d)
    assert abs(sum(pmf) - 1) < 1e-12, (n, a, d, sum(pmf))
    bins = bins_of(pmf, draws)
    mean = n * Fraction(a, d)
    variance = mean * Fraction(d - a, d)
    return {
        "n": n,
        "p": [a, d],
        "draws": draws,
        "mean": float(mean),
        "variance": float(variance),
        "bins": bins,
        "chiSquareCritical": chi_square_critical(len(bins) - 1, ALPHA),
        "ksCritical": ks_critical(draws, ALPHA),
    }


def bootstrap_case(name, units, scale, draws=DRAWS):
    """Resample sums of `units` (integers; the sample's values are units / scale), n = len(units) draws per resample."""
    n = len(units)
    top = max(units) * n
    one = [Fraction(0)] * (max(units) + 1)
    for u in units:
        one[u] += Fraction(1, n)
    dist = [Fraction(1)] + [Fraction(0)] * top
    for _ in range(n):
        nxt = [Fraction(0)] * (top + 1)
        for total, prob in enumerate(dist):
            if prob == 0:
                continue
            for u, q in enumerate(one):
                if q != 0 and total + u <= top:
                    nxt[total + u] += prob * q
        dist = nxt
    assert sum(dist) == 1
    pmf = [float(x) for x in dist]
    bins = bins_of(pmf, draws)
    return {
        "name": name,
        "values": [u / scale for u in units],
        "scale": scale,
        "draws": draws,
        "bins": bins,
        "chiSquareCritical": chi_square_critical(len(bins) - 1, ALPHA),
        "ksCritical": ks_critical(draws, ALPHA),
    }


cases = [
    binomial_case(1, 1, 2),
    binomial_case(7, 3, 10),  # inversion
    binomial_case(40, 6, 25),  # inversion, mean 9.6
    binomial_case(50, 1, 5),  # BTRS at its smallest mean, 10
    binomial_case(21, 1, 2),  # BTRS, p = 1/2
    binomial_case(9_000, 1, 1_000),  # inversion with a large n, mean 9
    binomial_case(10_000, 3, 2_500),  # BTRS, mean 12
    binomial_case(1_000, 1, 2),
    binomial_case(10_000, 7_035, 10_000),  # p above 1/2: the failures are drawn (BTRS)
    binomial_case(200, 99, 100),  # p above 1/2: the failures are drawn (inversion)
    binomial_case(65_535, 1, 3),  # the largest sample a resample plan covers, and log-factorials past the table
]

# A pass/fail-like sample, and a similarity-like one whose values are shared by different numbers of items, so the
# grouped bootstrap draws some values as counts and the others item by item, depending on the threshold.
bootstrap = [
    bootstrap_case("pass-fail", [0] * 13 + [1] * 7, 1),
    bootstrap_case("similarity", [0] * 6 + [1] + [2] * 2 + [3] * 4 + [4] * 5 + [5] + [6], 6),
]

out = pathlib.Path(__file__).with_name("binomial.fixture.json")
out.write_text(json.dumps({"alpha": ALPHA, "binomial": cases, "bootstrap": bootstrap}) + "\n")
print(f"wrote {out}: {len(cases)} binomial cases, {len(bootstrap)} bootstrap cases")
