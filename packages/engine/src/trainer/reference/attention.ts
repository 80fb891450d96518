import type { Vec } from "../kernels/types.ts";

/** The first key the query at position p sees: p − window + 1 with a sliding window (window > 0), else 0. */
function firstKey(p: number, window: number): number {
  return window > 0 ? Math.max(0, p - window + 1) : 0;
}

/** The soft-capped score cap·tanh(s / cap) (Gemma 2's attn_logit_softcapping), or s itself without a cap (cap 0). */
function capped(s: number, cap: number): number {
  return cap > 0 ? cap * Math.tanh(s / cap) : s;
}

/**
 * Reference causal attention; see native/src/kernels.h for the layout. Grouped-query attention: query
 * head h reads kv head floor(h / (H / kvHeads)) at k/v columns kvh·hd. A sliding window (window > 0):
 * the query at position p = qOff + i sees keys p - window < j <= p only. Soft-capping (softcap > 0): each score
 * s = scale·q·k becomes softcap·tanh(s / softcap) before the mask and the softmax.
 */
export function attentionFwd(
  q: Vec,
  qs: number,
  k: Vec,
  v: Vec,
  kvs: number,
  out: Vec,
  os: number,
  P: Vec | null,
  B: number,
  H: number,
  Tq: number,
  Tk: number,
  hd: number,
  qOff: number,
  scale: number,
  kvHeads: number = H,
  window = 0,
  softcap = 0,
): void {
  const group = H / kvHeads;
  const s = new Float64Array(Tk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Tq; i++) {
        const qi = (b * Tq + i) * qs + h * hd;
        const n = Math.min(Tk, qOff + i + 1);
        const lo = firstKey(qOff + i, window);
        let mx = Number.NEGATIVE_INFINITY;
        for (let j = lo; j < n; j++) {
          const kj = (b * Tk + j) * kvs + Math.floor(h / group) * hd;
          let dot = 0;
          for (let c = 0; c < hd; c++) dot += (q[qi + c] as number) * (k[kj + c] as number);
          s[j] = capped(dot * scale, softcap);
          mx = Math.max(mx, s[j] as number);
        }
        let sum = 0;
        for (let j = lo; j < n; j++) {
          s[j] = Math.exp((s[j] as number) - mx);
          sum += s[j] as number;
        }
        const oi = (b * Tq + i) * os + h * hd;
        for (let c = 0; c < hd; c++) out[oi + c] = 0;
        for (let j = lo; j < n; j++) {
          const p = (s[j] as number) / sum;
          s[j] = p;
          const vj = (b * Tk + j) * kvs + Math.floor(h / group) * hd;
          for (let c = 0; c < hd; c++) out[oi + c] = (out[oi + c] as number) + p * (v[vj + c] as number);
        }
        if (P) {
          const pi = ((b * H + h) * Tq + i) * Tk;
          for (let j = 0; j < Tk; j++) P[pi + j] = j >= lo && j < n ? (s[j] as number) : 0;
        }
      }
    }
  }
}

/**
 * The backward of attentionFwd (Tq = Tk = T, qOff 0, the same window and softcap; Pin, if given, from that forward
 * pass, else recomputed). With softcap > 0 the scores' gradient is multiplied by 1 − tanh²(s / softcap), s = scale·q·k
 * recomputed from q and k (saved probabilities or not).
 */
export function attentionBwd(
  q: Vec,
  qs: number,
  k: Vec,
  v: Vec,
  kvs: number,
  Pin: Vec | null,
  dout: Vec,
  os: number,
  dq: Vec,
  dk: Vec,
  dv: Vec,
  dqs: number,
  B: number,
  H: number,
  T: number,
  hd: number,
  scale: number,
  kvHeads: number = H,
  window = 0,
  softcap = 0,
): void {
  const group = H / kvHeads;
  const dp = new Float64Array(T);
  let P = Pin;
  if (!P) {
    P = new Float64Array(B * H * T * T);
    attentionFwd(q, qs, k, v, kvs, new Float64Array(B * T * H * hd), H * hd, P, B, H, T, T, hd, 0, scale, kvHeads, window, softcap);
  }
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < T; i++) {
      for (let h = 0; h < H; h++) {
        const r = (b * T + i) * dqs + h * hd;
        for (let c = 0; c < hd; c++) dq[r + c] = 0;
      }
      for (let h = 0; h < kvHeads; h++) {
        const r = (b * T + i) * dqs + h * hd;
        for (let c = 0; c < hd; c++) dk[r + c] = dv[r + c] = 0;
      }
    }
    for (let h = 0; h < H; h++) {
      const kvh = Math.floor(h / group);
      for (let i = 0; i < T; i++) {
        const pi = ((b * H + h) * T + i) * T;
        const doi = (b * T + i) * os + h * hd;
        const qi = (b * T + i) * qs + h * hd;
        const dqi = (b * T + i) * dqs + h * hd;
        const lo = firstKey(i, window);
        let D = 0;
        for (let j = lo; j <= i; j++) {
          const vj = (b * T + j) * kvs + kvh * hd;
          let dot = 0;
          for (let c = 0; c < hd; c++) dot += (dout[doi + c] as number) * (v[vj + c] as number);
          dp[j] = dot;
          D += (P[pi + j] as number) * dot;
        }
        for (let j = lo; j <= i; j++) {
          const p = P[pi + j] as number;
          const kj = (b * T + j) * kvs + kvh * hd;
          let ds = p * ((dp[j] as number) - D) * scale;
          if (softcap > 0) {
            let dot = 0;
            for (let c = 0; c < hd; c++) dot += (q[qi + c] as number) * (k[kj + c] as number);
            const t = Math.tanh((dot * scale) / softcap);
            ds *= 1 - t * t;
          }
          const dj = (b * T + j) * dqs + kvh * hd;
          for (let c = 0; c < hd; c++) {
            dq[dqi + c] = (dq[dqi + c] as number) + ds * (k[kj + c] as number);
            dk[dj + c] = (dk[dj + c] as number) + ds * (q[qi + c] as number);
            dv[dj + c] = (dv[dj + c] as number) + p * (dout[doi + c] as number);
          }
        }
      }
    }
  }
}

/** attentionFwdRows: attentionFwd on each example's rows (B = 1, from position 0, the window and softcap too). */
export function attentionFwdRows(
  q: Vec,
  qs: number,
  k: Vec,
  v: Vec,
  kvs: number,
  out: Vec,
  os: number,
  starts: Int32Array,
  lens: Int32Array,
  H: number,
  hd: number,
  scale: number,
  kvHeads: number = H,
  window = 0,
  softcap = 0,
): void {
  lens.forEach((T, b) => {
    const r = starts[b] as number;
    if (T > 0)
      attentionFwd(
        q.subarray(r * qs),
        qs,
        k.subarray(r * kvs),
        v.subarray(r * kvs),
        kvs,
        out.subarray(r * os),
        os,
        null,
        1,
        H,
        T,
        T,
        hd,
        0,
        scale,
        kvHeads,
        window,
        softcap,
      );
  });
}

/** attentionBwdRows: attentionBwd on each example's rows (B = 1, the same window and softcap). */
export function attentionBwdRows(
  q: Vec,
  qs: number,
  k: Vec,
  v: Vec,
  kvs: number,
  dout: Vec,
  os: number,
  dq: Vec,
  dk: Vec,
  dv: Vec,
  dqs: number,
  starts: Int32Array,
  lens: Int32Array,
  H: number,
  hd: number,
  scale: number,
  kvHeads: number = H,
  window = 0,
  softcap = 0,
): void {
  lens.forEach((T, b) => {
    const r = starts[b] as number;
    if (T > 0)
      attentionBwd(
        q.subarray(r * qs),
        qs,
        k.subarray(r * kvs),
        v.subarray(r * kvs),
        kvs,
        null,
        dout.subarray(r * os),
        os,
        dq.subarray(r * dqs),
        dk.subarray(r * dqs),
        dv.subarray(r * dqs),
        dqs,
        1,
        H,
        T,
        hd,
        scale,
        kvHeads,
        window,
        softcap,
      );
  });
}
