import { createEffect, createMemo, createSignal, For, on, Show } from "solid-js";
import type uPlot from "uplot";
import { api, read } from "../api/client.ts";
import type { MetricRow } from "../api/types.ts";
import { load } from "../lib/load.ts";
import { hasValidation, type LossLine, type LossRun, lossData } from "../lib/loss-series.ts";
import { Chart } from "./Chart.tsx";
import "./loss-chart.css";

const nullable = (values: Array<number | null>) => values as unknown as number[];
/** Colours of the runs on the chart: this experiment first, then each overlaid one in the order ticked. */
const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ca8a04", "#0891b2", "#db2777", "#4b5563"];
const colourAt = (i: number) => PALETTE[i % PALETTE.length] as string;
/** Log-scale ticks labelled: 1, 2 and 5 times a power of ten. */
const LOG_LABELS = (v: number) => {
  const mantissa = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6);
};
const fmt = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(4));

/**
 * Training (and validation) loss by step: a log-scale toggle, TensorBoard-style smoothing with the raw values faint
 * behind, and other experiments of the project overlaid, each a named colour. A run without a validation set has no
 * validation line or legend entry.
 */
export function LossChart(props: {
  rows: MetricRow[];
  experimentId: string;
  name: string;
  project: string;
  /** Whether the experiment was given a validation set (its loss comes every so many steps, not from the first). */
  validationSet: boolean;
}) {
  const [log, setLog] = createSignal(false);
  const [weight, setWeight] = createSignal(0.6);
  const [chosen, setChosen] = createSignal<string[]>([]);
  const [fetched, setFetched] = createSignal<Record<string, MetricRow[]>>({});
  const [failed, setFailed] = createSignal<string>();
  const [cursor, setCursor] = createSignal<number | null>(null);

  // other trained experiments of the project (a baseline trains nothing); the list is paged (1,000 by default), so
  // this asks for the most a page holds to offer every one a sweep made
  const others = load(
    () => props.project || null,
    async (project) =>
      (await read(api.projects[":project"].experiments.$get({ param: { project }, query: { limit: "10000" } }))).data.filter(
        (e) => e.id !== props.experimentId && e.kind !== "baseline",
      ),
  );
  createEffect(
    on(chosen, (ids) => {
      for (const id of ids) {
        if (fetched()[id]) continue;
        read(api.experiments[":id"].metrics.$get({ param: { id } })).then(
          (r) => setFetched((f) => ({ ...f, [id]: r.data })),
          (e: unknown) => setFailed(`could not load the metrics of ${id}: ${(e as Error).message}`),
        );
      }
    }),
  );
  const toggle = (id: string, on: boolean) => setChosen((c) => (on ? [...c, id] : c.filter((x) => x !== id)));

  const runs = createMemo((): LossRun[] => {
    const byId = new Map((others.data() ?? []).map((e) => [e.id, e]));
    const overlaid = chosen().flatMap((id, i): LossRun[] => {
      const rows = fetched()[id];
      return rows ? [{ id, name: byId.get(id)?.name ?? id, colour: colourAt(i + 1), rows }] : [];
    });
    return [{ id: props.experimentId, name: props.name, colour: colourAt(0), rows: props.rows }, ...overlaid];
  });
  const series = createMemo(() => lossData(runs(), weight(), log()));
  // the chart is rebuilt when its lines or scale change; smoothing and new steps only redraw it
  const shape = createMemo(() => JSON.stringify({ log: log(), lines: series().lines.map((l) => [l.label, l.run.colour]) }));

  const options = (): Omit<uPlot.Options, "width" | "height"> => ({
    // log: the range hugs the data (uPlot's rounds out to powers of ten, which leaves most of the plot empty)
    scales: {
      x: { time: false },
      y: log() ? { distr: 3, log: 10, range: (_u, min, max) => (min > 0 && max > 0 ? [min / 1.1, max * 1.1] : [0.1, 10]) } : {},
    },
    axes: [
      { label: "step" },
      log()
        ? { label: "loss (log scale)", size: 56, filter: (_u, splits) => splits.map((v) => (LOG_LABELS(v) ? v : null)) }
        : { label: "loss", size: 56 },
    ],
    legend: { show: false },
    cursor: { points: { show: false } },
    series: [{ label: "step" }, ...series().lines.map(lineOptions)],
    hooks: {
      setCursor: [(u) => setCursor(u.cursor.idx ?? null)],
      // where 1, 2 and 4 would sit: equal gaps on a log scale (read by the browser test)
      draw: [
        (u) => {
          u.root.dataset.yPositions = JSON.stringify([1, 2, 4].map((v) => u.valToPos(v, "y")));
        },
      ],
    },
  });
  const data = (): uPlot.AlignedData => [series().steps, ...series().values.map(nullable)];

  const legend = () => series().lines.filter((l) => l.kind !== "raw");
  const shown = (line: LossLine) => {
    const i = cursor();
    const d = series();
    const at = i === null ? lastIndex(d.values[d.lines.indexOf(line)] ?? []) : i;
    return at === null ? null : (d.values[d.lines.indexOf(line)]?.[at] ?? null);
  };

  return (
    <div class="loss-chart" data-testid="loss-panel" data-scale={log() ? "log" : "linear"} data-smoothing={weight()}>
      <div class="loss-controls">
        <label class="loss-control">
          <input type="checkbox" checked={log()} onChange={(e) => setLog(e.currentTarget.checked)} data-testid="loss-log" /> log scale
        </label>
        <label class="loss-control">
          smoothing{" "}
          <input
            type="range"
            min="0"
            max="0.99"
            step="0.01"
            value={weight()}
            onInput={(e) => setWeight(Number(e.currentTarget.value))}
            aria-valuetext={weight() === 0 ? "off" : weight().toFixed(2)}
            data-testid="loss-smoothing"
          />{" "}
          <output data-testid="loss-smoothing-value">{weight() === 0 ? "off" : weight().toFixed(2)}</output>
        </label>
      </div>
      <Show when={shape()} keyed>
        {(_shape) => <Chart options={options} data={data} label={chartLabel(runs(), log())} testId="loss-chart" />}
      </Show>
      <ul class="loss-legend" data-testid="loss-legend" aria-label="lines on the loss chart">
        <li class="muted" data-testid="loss-legend-step">
          {cursor() === null ? "last step" : `step ${series().steps[cursor() ?? 0]}`}
        </li>
        <For each={legend()}>
          {(line) => (
            <li data-testid="loss-legend-item" data-kind={line.kind} data-run={line.run.id}>
              <span class={`swatch ${line.kind}`} style={{ "border-color": line.run.colour }} aria-hidden="true" />
              {line.label} <strong class="num">{fmt(shown(line))}</strong>
              <Show when={line.kind === "train" && weight() > 0}>
                <span class="muted">
                  {" "}
                  (raw {fmt(shown(series().lines.find((l) => l.run === line.run && l.kind === "raw") as LossLine))})
                </span>
              </Show>
            </li>
          )}
        </For>
      </ul>
      <Show when={!hasValidation(props.rows)}>
        <p class="muted" data-testid="loss-no-validation">
          {props.validationSet
            ? "No validation loss yet: it is measured on the validation set every so many steps."
            : "No validation loss: this experiment was trained without a validation set."}
        </p>
      </Show>
      <Show when={(others.data()?.length ?? 0) > 0}>
        <fieldset class="loss-overlay" data-testid="loss-overlay">
          <legend>Overlay other experiments of {props.project}</legend>
          <div class="loss-overlay-list">
            <For each={others.data()}>
              {(e) => {
                const at = () => chosen().indexOf(e.id);
                return (
                  <label>
                    <input type="checkbox" checked={at() >= 0} onChange={(ev) => toggle(e.id, ev.currentTarget.checked)} />
                    <Show when={at() >= 0}>
                      <span class="swatch train" style={{ "border-color": colourAt(at() + 1) }} aria-hidden="true" />
                    </Show>
                    {e.name} <span class="muted">{e.status}</span>
                  </label>
                );
              }}
            </For>
          </div>
        </fieldset>
      </Show>
      <Show when={failed()}>
        <p class="delta-bad">{failed()}</p>
      </Show>
    </div>
  );
}

function lineOptions(line: LossLine): uPlot.Series {
  const colour = line.run.colour;
  if (line.kind === "raw") return { label: line.label, stroke: `${colour}40`, width: 1, spanGaps: true, points: { show: false } };
  if (line.kind === "valid")
    return { label: line.label, stroke: colour, width: 2, dash: [6, 4], spanGaps: true, points: { show: true, size: 5, fill: colour } };
  return { label: line.label, stroke: colour, width: 2, spanGaps: true, points: { show: false } };
}

function lastIndex(values: ReadonlyArray<number | null>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return i;
  return null;
}

function chartLabel(runs: LossRun[], log: boolean): string {
  const names = runs.map((r) => r.name).join(", ");
  return `training${runs.some((r) => hasValidation(r.rows)) ? " and validation" : ""} loss by step${log ? " on a log scale" : ""}: ${names}`;
}

/** Mean token accuracy (train and, when measured, validation) by step. */
export function AccuracyChart(props: { rows: MetricRow[] }) {
  const valid = () => props.rows.some((r) => r.valid_accuracy !== null);
  const data = (): uPlot.AlignedData => [
    props.rows.map((r) => r.step),
    nullable(props.rows.map((r) => r.train_accuracy)),
    ...(valid() ? [nullable(props.rows.map((r) => r.valid_accuracy))] : []),
  ];
  const options = (): Omit<uPlot.Options, "width" | "height"> => ({
    scales: { x: { time: false }, y: { range: [0, 1] } },
    axes: [{ label: "step" }, { label: "token accuracy", size: 50 }],
    series: [
      { label: "step" },
      { label: "train accuracy", stroke: "#16a34a", width: 1.5, spanGaps: true },
      ...(valid() ? [{ label: "valid accuracy", stroke: "#9333ea", width: 2, spanGaps: true, points: { show: true, size: 5 } }] : []),
    ],
  });
  return <Chart options={options} data={data} height={200} label="token accuracy by step" testId="accuracy-chart" />;
}
