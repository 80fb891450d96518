import type uPlot from "uplot";
import type { MetricRow } from "../api/types.ts";
import { Chart } from "./Chart.tsx";

const nullable = (values: Array<number | null>) => values as unknown as number[];

/** Training and validation loss by step. */
export function LossChart(props: { rows: MetricRow[] }) {
  const data = (): uPlot.AlignedData => [
    props.rows.map((r) => r.step),
    nullable(props.rows.map((r) => r.train_loss)),
    nullable(props.rows.map((r) => r.valid_loss)),
  ];
  const options = (): Omit<uPlot.Options, "width" | "height"> => ({
    scales: { x: { time: false } },
    axes: [{ label: "step" }, { label: "loss", size: 50 }],
    series: [
      { label: "step" },
      { label: "train loss", stroke: "#2563eb", width: 1.5, spanGaps: true },
      { label: "valid loss", stroke: "#ea580c", width: 2, spanGaps: true, points: { show: true, size: 5 } },
    ],
  });
  return <Chart options={options} data={data} label="training and validation loss by step" testId="loss-chart" />;
}

/** Mean token accuracy (train and validation) by step. */
export function AccuracyChart(props: { rows: MetricRow[] }) {
  const data = (): uPlot.AlignedData => [
    props.rows.map((r) => r.step),
    nullable(props.rows.map((r) => r.train_accuracy)),
    nullable(props.rows.map((r) => r.valid_accuracy)),
  ];
  const options = (): Omit<uPlot.Options, "width" | "height"> => ({
    scales: { x: { time: false }, y: { range: [0, 1] } },
    axes: [{ label: "step" }, { label: "token accuracy", size: 50 }],
    series: [
      { label: "step" },
      { label: "train accuracy", stroke: "#16a34a", width: 1.5, spanGaps: true },
      { label: "valid accuracy", stroke: "#9333ea", width: 2, spanGaps: true, points: { show: true, size: 5 } },
    ],
  });
  return <Chart options={options} data={data} height={200} label="token accuracy by step" testId="accuracy-chart" />;
}
