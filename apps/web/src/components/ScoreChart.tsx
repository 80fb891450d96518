import type uPlot from "uplot";
import type { LeaderboardRow } from "../api/types.ts";
import { count } from "../lib/format.ts";
import { Chart } from "./Chart.tsx";

export type ScoreAxis = "examples" | "tokens";

interface Point {
  x: number;
  y: number;
  low: number | null;
  high: number | null;
}

/** Primary metric against dataset size or trained tokens: one point per scored experiment, whiskers for the 95% interval. */
export function ScoreChart(props: { rows: LeaderboardRow[]; axis: ScoreAxis; metric: string }) {
  let points: Point[] = [];
  const data = (): uPlot.AlignedData => {
    points = props.rows
      .filter((r) => r.score !== null)
      .map((r) => ({
        x: (props.axis === "examples" ? r.datasetExamples : r.trainedTokens) ?? 0,
        y: r.score ?? 0,
        low: r.interval?.low ?? null,
        high: r.interval?.high ?? null,
      }))
      .sort((a, b) => a.x - b.x);
    return [points.map((p) => p.x), points.map((p) => p.y)];
  };
  const whiskers = (u: uPlot) => {
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = "rgba(37, 99, 235, 0.55)";
    ctx.lineWidth = Math.max(1, devicePixelRatio);
    const cap = 4 * devicePixelRatio;
    for (const p of points) {
      if (p.low === null || p.high === null) continue;
      const x = u.valToPos(p.x, "x", true);
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
    // dots drawn here too: uPlot skips points that share an x value (two experiments on the same dataset version)
    ctx.fillStyle = "#2563eb";
    for (const p of points) {
      ctx.beginPath();
      ctx.arc(u.valToPos(p.x, "x", true), u.valToPos(p.y, "y", true), 4 * devicePixelRatio, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.restore();
  };
  const options = (): Omit<uPlot.Options, "width" | "height"> => ({
    scales: {
      x: { time: false },
      y: { range: (_u, min, max) => [Math.max(0, Math.min(min, 0.9) - 0.05), Math.min(1, Math.max(max, 0.1) + 0.05)] },
    },
    axes: [
      {
        label:
          props.axis === "examples"
            ? "training examples (baseline = 0)"
            : "trained tokens: assistant tokens × epochs on the local engine (baseline = 0)",
        values: (_u, v) => v.map((x) => count(x)),
      },
      { label: props.metric, size: 50 },
    ],
    series: [
      { label: props.axis === "examples" ? "examples" : "tokens", value: (_u, v) => count(v) },
      { label: props.metric, stroke: "#2563eb", fill: "#2563eb", paths: () => null, points: { show: true, size: 8, fill: "#2563eb" } },
    ],
    cursor: { points: { size: 10 } },
    hooks: { draw: [whiskers] },
  });
  return <Chart options={options} data={data} height={260} label={`${props.metric} by ${props.axis}`} testId="score-chart" />;
}
