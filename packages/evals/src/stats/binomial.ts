/**
 * Binomial variates from a uniform source, for the bootstrap that draws counts per value (multinomial-bootstrap.ts).
 * Below a mean of INVERSION_MEAN (n·min(p, 1 − p)) it inverts the distribution function term by term (BINV,
 * Kachitvichyanukul & Schmeiser 1988); from there on it uses Hörmann's transformed rejection with squeeze (BTRS;
 * W. Hörmann, "The generation of binomial random variates", Journal of Statistical Computation and Simulation 46,
 * 1993, 101–110), which needs a constant number of uniforms on average whatever n is. p above 1/2 draws the failures.
 * binomial_reference.py beside this file writes exact probabilities (Python's integers) that binomial.test.ts checks
 * the draws against.
 */

/** Means below this are drawn by inversion (BTRS needs n·p ≥ 10). */
export const INVERSION_MEAN = 10;

/** A draw of Binomial(n, p): `random` returns uniforms in [0, 1). n is a count (0 or more), p a probability. */
export function binomial(n: number, p: number, random: () => number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(n, 1 - p, random);
  return n * p < INVERSION_MEAN ? inversion(n, p, random) : btrs(n, p, random);
}

/** Inversion for p ≤ 1/2: walks P(X = x) up from x = 0 until the uniform is used up (on average about n·p + 1 steps). */
function inversion(n: number, p: number, random: () => number): number {
  const q = 1 - p;
  const s = p / q;
  const a = (n + 1) * s;
  const first = Math.exp(n * Math.log1p(-p)); // P(X = 0) = qⁿ
  for (;;) {
    let u = random();
    let term = first;
    let x = 0;
    while (u >= term && x <= n) {
      u -= term;
      x++;
      term *= a / x - s; // P(X = x) / P(X = x − 1) = (n − x + 1)·p / (x·q)
    }
    // Rounding can leave a sliver of u past x = n; such a uniform is drawn again.
    if (x <= n) return x;
  }
}

/** Hörmann's BTRS for p ≤ 1/2 and n·p ≥ 10 (the paper's steps, with the range check before the quick acceptance). */
function btrs(n: number, p: number, random: () => number): number {
  const q = 1 - p;
  const spq = Math.sqrt(n * p * q);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  // Only needed when the quick acceptance fails (about one draw in seven or fewer): computed on first use.
  let alpha = Number.NaN;
  let lpq = 0;
  let m = 0;
  let h = 0;
  for (;;) {
    const u = random() - 0.5;
    let v = random();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    if (Number.isNaN(alpha)) {
      alpha = (2.83 + 5.1 / b) * spq;
      lpq = Math.log(p / q);
      m = Math.floor((n + 1) * p);
      h = logFactorial(m) + logFactorial(n - m);
    }
    v = Math.log((v * alpha) / (a / (us * us) + b));
    if (v <= h - logFactorial(k) - logFactorial(n - k) + (k - m) * lpq) return k;
  }
}

/** ln(k!) is tabulated below this; above it Stirling's series is exact to double precision. */
const TABLED = 256;
let table: Float64Array | undefined;

/** ln(k!) for a count k. */
export function logFactorial(k: number): number {
  if (k < TABLED) {
    if (!table) {
      table = new Float64Array(TABLED);
      for (let i = 2; i < TABLED; i++) table[i] = (table[i - 1] as number) + Math.log(i);
    }
    return table[k] as number;
  }
  // ln Γ(x) with x = k + 1 ≥ 257: the next term of the series, 1/(1680·x⁷), is below 10⁻²⁰
  const x = k + 1;
  const x2 = x * x;
  return (x - 0.5) * Math.log(x) - x + HALF_LN_2PI + (1 / 12 - (1 / 360 - 1 / (1260 * x2)) / x2) / x;
}

const HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);
