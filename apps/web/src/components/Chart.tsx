import { createEffect, onCleanup, onMount } from "solid-js";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartProps {
  /** Options without width/height (the chart fills its box). */
  options: () => Omit<uPlot.Options, "width" | "height">;
  data: () => uPlot.AlignedData;
  height?: number;
  label: string;
  testId?: string;
}

/** A uPlot chart that fills its container's width, redraws when data changes and resizes with the page. */
export function Chart(props: ChartProps) {
  let box!: HTMLDivElement;
  let plot: uPlot | undefined;
  const height = () => props.height ?? 240;
  const points = (data: uPlot.AlignedData) => {
    let n = 0;
    for (const series of data.slice(1)) for (let i = 0; i < series.length; i++) if (series[i] !== null && series[i] !== undefined) n++;
    return n;
  };

  onMount(() => {
    const make = () => {
      plot?.destroy();
      plot = new uPlot({ ...props.options(), width: Math.max(box.clientWidth, 200), height: height() }, props.data(), box);
    };
    // options are read when the chart is (re)built: a change in the number of series rebuilds it
    createEffect(() => {
      const data = props.data();
      box.dataset.points = String(points(data));
      if (plot && plot.series.length === data.length) plot.setData(data);
      else make();
    });
    const observer = new ResizeObserver(() => plot?.setSize({ width: Math.max(box.clientWidth, 200), height: height() }));
    observer.observe(box);
    onCleanup(() => {
      observer.disconnect();
      plot?.destroy();
    });
  });
  return <div class="chart" ref={box} role="img" aria-label={props.label} data-testid={props.testId} />;
}
