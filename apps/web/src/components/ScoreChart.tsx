import type uPlot from "uplot";
import type { LeaderboardRow } from "../api/types.ts";
import { count, score } from "../lib/format.ts";
import { spreadOffsets } from "../lib/spread.ts";
import { Chart } from "./Chart.tsx";
import { attachTip, clipToPlot, nearestMark, showTip } from "./chart-tip.ts";

export type ScoreAxis = "examples" | "tokens";

interface Point {
  id: string;
  name: string;
  x: number;
  y: number;
  low: number | null;
  high: number | null;
  /** Pixels to the side, so experiments at the same x (one dataset version) do not hide each other. */
  dodge: number;
}

const DODGE = 9;
const HIT = 10;

/**
 * Primary metric against dataset size or trained tokens: one point per scored experiment, whiskers for the 95%
 * interval. Hovering a point names its experiment; clicking it opens it (`onOpen`).
 */
export function ScoreChart(props: { rows: LeaderboardRow[]; axis: ScoreAxis; metric: string; onOpen: (id: string) => void }) {
  let points: Point[] = [];
  let tip: HTMLDivElement | undefined;
  let hovered: Point | undefined;
  const xLabel = () => (props.axis === "examples" ? "training examples" : "trained tokens");

  const data = (): uPlot.AlignedData => {
    const scored = props.rows
      .filter((r) => r.score !== null)
      .map((r) => ({
        id: r.experimentId,
        name: r.name,
        x: (props.axis === "examples" ? r.datasetExamples : r.trainedTokens) ?? 0,
        y: r.score ?? 0,
        low: r.interval?.low ?? null,
        high: r.interval?.high ?? null,
        dodge: 0,
      }))
      .sort((a, b) => a.x - b.x || b.y - a.y);
    points = scored;
    return [points.map((p) => p.x), points.map((p) => p.y)];
  };

  /** A point's centre in CSS pixels inside the plot area. */
  const at = (u: uPlot, p: Point) => ({ left: u.valToPos(p.x, "x") + p.dodge, top: u.valToPos(p.y, "y") });

  /**
   * Experiments whose x values land within a point's width of each other (the same dataset version, or sizes too close
   * for the axis) sit side by side: recomputed at every draw, as it depends on the plot's width.
   */
  const spread = (u: uPlot) => {
    const offsets = spreadOffsets(
      points.map((p) => u.valToPos(p.x, "x")),
      DODGE,
    );
    for (const [i, p] of points.entries()) p.dodge = offsets[i] ?? 0;
  };

  const draw = (u: uPlot) => {
    spread(u);
    const ratio = devicePixelRatio;
    // nothing outside the plot area (a whisker longer than the axis is cut at its edge)
    const ctx = clipToPlot(u);
    ctx.strokeStyle = "rgba(37, 99, 235, 0.55)";
    ctx.lineWidth = Math.max(1, ratio);
    const cap = 4 * ratio;
    for (const p of points) {
      if (p.low === null || p.high === null) continue;
      const x = u.valToPos(p.x, "x", true) + p.dodge * ratio;
      const y0 = u.valToPos(p.low, "y", true);
      const y1 = u.valToPos(p.high, "y", true);
      ctx.beginPath();
      ctx.moveTo(x, y0);
      ctx.lineTo(x, y1);
      ctx.moveTo(x - cap, y0);
      ctx.lineTo(x + cap, y0);
      ctx.moveTo(x - cap, y1);
      ctx.lineTo(x + cap, y1);
      ctx.stroke();
    }
    for (const p of points) {
      ctx.beginPath();
      ctx.fillStyle = p === hovered ? "#1e3a8a" : "#2563eb";
      ctx.arc(u.valToPos(p.x, "x", true) + p.dodge * ratio, u.valToPos(p.y, "y", true), (p === hovered ? 6 : 4.5) * ratio, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.restore();
    // where each experiment's point is, in the plot area's CSS pixels (for tools and tests; the canvas has no DOM)
    u.root.dataset.positions = JSON.stringify(points.map((p) => ({ id: p.id, name: p.name, ...at(u, p) })));
  };

  const nearest = (u: uPlot, left: number, top: number): Point | undefined => nearestMark(points, (p) => at(u, p), { left, top }, HIT);

  const show = (u: uPlot, p: Point | undefined) => {
    if (p === hovered) return;
    hovered = p;
    u.over.style.cursor = p ? "pointer" : "";
    u.redraw(false);
    if (!tip) return;
    const interval = p && p.low !== null && p.high !== null ? ` (95% CI ${score(p.low, 2)}–${score(p.high, 2)})` : "";
    showTip(
      tip,
      u,
      p ? at(u, p) : { left: 0, top: 0 },
      p && [p.name, `${props.metric} ${score(p.y)}${interval}`, `${xLabel()} ${count(p.x)} · click to open`],
    );
  };

  const ready = (u: uPlot) => {
    tip = attachTip(u, (spot) => show(u, spot && nearest(u, spot.left, spot.top)));
    u.over.addEventListener("click", (e) => {
      const p = nearest(u, e.offsetX, e.offsetY);
      if (p) props.onOpen(p.id);
    });
  };

  const options = (): Omit<uPlot.Options, "width" | "height"> => ({
    scales: {
      x: {
        time: false,
        // from below 0 (the baseline sits at 0, clear of the axis) to past the largest value
        range: (_u, _min, max) => {
          const top = Math.max(max, 1);
          return [-top * 0.05, top * 1.06];
        },
      },
      y: {
        // the intervals too, so every whisker fits
        range: () => {
          let lo = 1;
          let hi = 0;
          for (const p of points) {
            lo = Math.min(lo, p.low ?? p.y, p.y);
            hi = Math.max(hi, p.high ?? p.y, p.y);
          }
          if (hi < lo) [lo, hi] = [0, 1];
          // padded past the data on both sides, so no point or whisker sits on the frame's edge
          const pad = Math.max(0.05, (hi - lo) * 0.1);
          return [lo - pad, hi + pad];
        },
      },
    },
    axes: [
      {
        label:
          props.axis === "examples"
            ? "training examples (baseline = 0)"
            : "trained tokens: assistant tokens × epochs on the local engine (baseline = 0)",
        values: (_u, v) => v.map((x) => (x < 0 ? "" : count(x))),
      },
      { label: props.metric, size: 50, values: (_u, v) => v.map((y) => (y < 0 ? "" : String(Number(y.toFixed(3))))) },
    ],
    series: [
      { label: props.axis === "examples" ? "examples" : "tokens" },
      { label: props.metric, paths: () => null, points: { show: false } },
    ],
    legend: { show: false },
    cursor: { points: { show: false }, x: false, y: false },
    hooks: { draw: [draw], ready: [ready] },
  });
  return (
    <Chart
      options={options}
      data={data}
      height={190}
      label={`${props.metric} by ${xLabel()}: hover a point for its experiment, click to open it`}
      testId="score-chart"
    />
  );
}
