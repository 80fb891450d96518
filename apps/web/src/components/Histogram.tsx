import uPlot from "uplot";
import { count } from "../lib/format.ts";
import { Chart } from "./Chart.tsx";

/** Equal-width bins of `values`, drawn as bars. */
export function Histogram(props: { values: number[]; label: string; bins?: number }) {
  const data = (): uPlot.AlignedData => {
    const values = props.values;
    if (values.length === 0) return [[], []];
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const n = Math.max(1, Math.min(props.bins ?? 30, Math.ceil(max - min) + 1));
    const width = Math.max(1, (max - min) / n);
    const counts = new Array<number>(n).fill(0);
    for (const v of values) {
      const bin = Math.min(n - 1, Math.floor((v - min) / width));
      counts[bin] = (counts[bin] ?? 0) + 1;
    }
    return [counts.map((_, i) => Math.round(min + (i + 0.5) * width)), counts];
  };
  const bars = uPlot.paths.bars?.({ size: [0.9, 60] });
  const options = (): Omit<uPlot.Options, "width" | "height"> => ({
    scales: { x: { time: false } },
    axes: [
      { label: props.label, values: (_u, v) => v.map((x) => count(x)) },
      { label: "examples", size: 44 },
    ],
    series: [
      { label: props.label },
      { label: "examples", stroke: "#2563eb", fill: "rgba(37,99,235,0.35)", ...(bars ? { paths: bars } : {}), points: { show: false } },
    ],
    legend: { show: false },
  });
  return <Chart options={options} data={data} height={200} label={`histogram of ${props.label}`} testId="token-histogram" />;
}
