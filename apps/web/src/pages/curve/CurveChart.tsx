import type uPlot from "uplot";
import type { CurveAxis, ProjectCurve } from "../../api/types.ts";
import { Chart } from "../../components/Chart.tsx";
import { attachTip, clipToPlot, nearestMark, showTip } from "../../components/chart-tip.ts";
import { count, score } from "../../lib/format.ts";

/** The fitted saturating power law y = a − b·n^(−c). */
export const fitted = (fit: ProjectCurve["curve"]["fit"], n: number): number => fit.a - fit.b * n ** -fit.c;

interface Mark {
  kind: "experiment" | "projection";
  name: string;
  n: number;
  y: number;
  low?: number;
  high?: number;
}

const HIT = 12;
const SAMPLES = 96;
const POINT = "#2563eb";
const CURVE = "#ea580c";

/** The unit of n on a curve's x axis, after a number: "examples" or "trained tokens". */
export const xUnit = (x: CurveAxis): string => (x === "tokens" ? "trained tokens" : "examples");

/**
 * One learning curve on a log-scale x axis (training examples or trained tokens, as `x` says and the curve's
 * `xLabel` names): the experiments' scores (uPlot points), the fitted curve from the smallest size to the largest
 * projection (drawn smoothly through log-spaced samples), and each projection as a hollow point with its 95%
 * interval as a whisker. Hovering a mark names it.
 */
export function CurveChart(props: {
  curve: ProjectCurve;
  metric: string;
  x: CurveAxis;
  height?: number;
  /** The x axis's title (default: the curve's xLabel, which says what is counted, and "(log scale)"). */
  xTitle?: string;
}) {
  let tip: HTMLDivElement | undefined;
  let hovered: Mark | undefined;
  const fit = () => props.curve.curve.fit;
  const members = () => props.curve.members;
  const projections = () => props.curve.curve.projections;
  const marks = (): Mark[] => [
    ...members().map((m) => ({ kind: "experiment" as const, name: m.name, n: m.n, y: m.score })),
    ...projections().map((p) => ({
      kind: "projection" as const,
      name: `projection at ${count(p.n)} ${xUnit(props.x)}`,
      n: p.n,
      y: p.y,
      low: p.interval.low,
      high: p.interval.high,
    })),
  ];
  const sizes = () => [...new Set(marks().map((m) => m.n))].sort((a, b) => a - b);
  const span = () => {
    const all = sizes();
    return [Math.max(1, all[0] ?? 1), all.at(-1) ?? 10] as const;
  };
  /** Log-spaced sizes from the smallest experiment to the largest projection. */
  const curveSizes = () => {
    const [lo, hi] = span();
    return Array.from({ length: SAMPLES + 1 }, (_, i) => lo * (hi / lo) ** (i / SAMPLES));
  };

  const data = (): uPlot.AlignedData => [members().map((m) => m.n), members().map((m) => m.score)];

  const at = (u: uPlot, n: number, y: number) => ({ left: u.valToPos(n, "x"), top: u.valToPos(y, "y") });

  const draw = (u: uPlot) => {
    const ratio = devicePixelRatio;
    const ctx = clipToPlot(u);
    // the fitted curve
    ctx.strokeStyle = CURVE;
    ctx.lineWidth = 2 * ratio;
    ctx.beginPath();
    const path = curveSizes().map((n) => ({ n, y: fitted(fit(), n) }));
    for (const [i, p] of path.entries()) {
      const x = u.valToPos(p.n, "x", true);
      const y = u.valToPos(p.y, "y", true);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
    // projections: a whisker for the 95% interval and a hollow point
    const cap = 5 * ratio;
    ctx.lineWidth = 1.5 * ratio;
    for (const p of projections()) {
      const x = u.valToPos(p.n, "x", true);
      const y0 = u.valToPos(p.interval.low, "y", true);
      const y1 = u.valToPos(p.interval.high, "y", true);
      ctx.beginPath();
      ctx.moveTo(x, y0);
      ctx.lineTo(x, y1);
      ctx.moveTo(x - cap, y0);
      ctx.lineTo(x + cap, y0);
      ctx.moveTo(x - cap, y1);
      ctx.lineTo(x + cap, y1);
      ctx.stroke();
      ctx.beginPath();
      ctx.fillStyle = "#fff";
      ctx.arc(x, u.valToPos(p.y, "y", true), 5 * ratio, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
    if (hovered) {
      ctx.beginPath();
      ctx.strokeStyle = "#1e3a8a";
      ctx.lineWidth = 2 * ratio;
      ctx.arc(u.valToPos(hovered.n, "x", true), u.valToPos(hovered.y, "y", true), 8 * ratio, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.restore();
    // where everything is, in the plot area's CSS pixels (for tools and tests: the canvas has no DOM)
    u.root.dataset.positions = JSON.stringify({
      points: members().map((m) => ({ name: m.name, n: m.n, y: m.score, ...at(u, m.n, m.score) })),
      curve: path.map((p) => at(u, p.n, p.y)),
      whiskers: projections().map((p) => ({
        n: p.n,
        y: p.y,
        ...at(u, p.n, p.y),
        low: u.valToPos(p.interval.low, "y"),
        high: u.valToPos(p.interval.high, "y"),
      })),
    });
  };

  const nearest = (u: uPlot, left: number, top: number): Mark | undefined =>
    nearestMark(marks(), (m) => at(u, m.n, m.y), { left, top }, HIT);

  const show = (u: uPlot, m: Mark | undefined) => {
    if (m === hovered) return;
    hovered = m;
    u.redraw(false);
    if (!tip) return;
    showTip(
      tip,
      u,
      m ? at(u, m.n, m.y) : { left: 0, top: 0 },
      m && [
        m.name,
        m.low !== undefined && m.high !== undefined
          ? `${props.metric} ${score(m.y)} predicted [${score(m.low)}, ${score(m.high)}]`
          : `${props.metric} ${score(m.y)} (fitted ${score(fitted(fit(), m.n))})`,
        props.x === "tokens" ? `${count(m.n)} trained tokens` : `${count(m.n)} training examples`,
      ],
    );
  };

  const ready = (u: uPlot) => {
    tip = attachTip(u, (spot) => show(u, spot && nearest(u, spot.left, spot.top)));
  };

  const options = (): Omit<uPlot.Options, "width" | "height"> => ({
    scales: {
      x: {
        time: false,
        distr: 3,
        // a margin on each side (in log space), so the first point and the projection sit inside the frame
        range: () => {
          const [lo, hi] = span();
          const pad = (hi / lo) ** 0.06;
          return [lo / pad, hi * pad];
        },
      },
      y: {
        range: () => {
          let lo = Number.POSITIVE_INFINITY;
          let hi = Number.NEGATIVE_INFINITY;
          for (const m of marks()) {
            lo = Math.min(lo, m.y, m.low ?? m.y);
            hi = Math.max(hi, m.y, m.high ?? m.y);
          }
          for (const n of curveSizes()) {
            const y = fitted(fit(), n);
            lo = Math.min(lo, y);
            hi = Math.max(hi, y);
          }
          if (!(hi >= lo)) [lo, hi] = [0, 1];
          const pad = Math.max(0.02, (hi - lo) * 0.1);
          return [lo - pad, hi + pad];
        },
      },
    },
    axes: [
      {
        label: props.xTitle ?? `${props.curve.xLabel} (log scale)`,
        // a tick at each experiment's size and each projection, all labelled (uPlot thins a log axis's labels by default)
        splits: () => sizes(),
        filter: (_u, splits) => splits,
        values: (u, v) => {
          const labels = v.map((x) => (x === null || x === undefined ? "" : count(x)));
          u.root.dataset.xTicks = JSON.stringify(labels); // axis labels are painted on the canvas: for tools and tests
          return labels;
        },
      },
      { label: props.metric, size: 50, values: (_u, v) => v.map((y) => String(Number(y.toFixed(3)))) },
    ],
    series: [
      { label: xUnit(props.x) },
      { label: props.metric, stroke: POINT, fill: POINT, paths: () => null, points: { show: true, size: 9, fill: POINT, stroke: POINT } },
    ],
    legend: { show: false },
    cursor: { points: { show: false }, x: false, y: false },
    hooks: { draw: [draw], ready: [ready] },
  });

  return (
    <Chart
      options={options}
      data={data}
      height={props.height ?? 260}
      label={`${props.metric} by ${props.x === "tokens" ? "trained tokens" : "training examples"}, fitted curve and projection: hover a point for its experiment`}
      testId="curve-chart"
    />
  );
}
