import uPlot from "uplot";
import { count } from "../lib/format.ts";
import { Chart } from "./Chart.tsx";

/** Equal-width bins (as the server computed them: numpy's rule), drawn as bars at each bin's centre. */
export interface Bins {
  start: number;
  width: number;
  counts: number[];
}

export function Histogram(props: { bins: Bins; label: string }) {
  const data = (): uPlot.AlignedData => {
    const { start, width, counts } = props.bins;
    return [counts.map((_, i) => start + (i + 0.5) * width), counts];
  };
  const bars = uPlot.paths.bars?.({ size: [0.9, 60] });
  const options = (): Omit<uPlot.Options, "width" | "height"> => ({
    scales: { x: { time: false } },
    axes: [
      { label: props.label, values: (_u, v) => v.map((x) => count(Math.round(x))) },
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
