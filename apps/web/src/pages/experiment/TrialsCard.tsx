import { createMemo, createSignal, For, Show } from "solid-js";
import { api, read } from "../../api/client.ts";
import type { EvalRun, ItemTrials } from "../../api/types.ts";
import { ErrorNotice } from "../../components/Notice.tsx";
import { percent, score } from "../../lib/format.ts";
import { load } from "../../lib/load.ts";

/** Rows shown before "show all". */
const FIRST_ROWS = 20;

/**
 * A run with several trials per item: how it sampled, what the intervals account for, and each item's pass rate,
 * mean and variance over its trials on the primary metric, the most uncertain items first.
 */
export function TrialsCard(props: { run: EvalRun; primary: string }) {
  const items = load(
    () => props.run.id,
    async (id) => (await read(api["eval-runs"][":id"].items.$get({ param: { id } }))).data,
  );
  const [flakyOnly, setFlakyOnly] = createSignal(true);
  const [all, setAll] = createSignal(false);
  const summary = () => props.run.aggregates?.graders[props.primary];
  const temperature = () => props.run.samplingParams.temperature;
  const rows = createMemo(() => {
    const rate = (item: ItemTrials) => item.graders[props.primary]?.passRate ?? null;
    const list = (items.data() ?? []).filter((item) => {
      const r = rate(item);
      return !flakyOnly() || (r !== null && r > 0 && r < 1);
    });
    // the most uncertain (pass rate nearest 0.5) first, then test-split order
    return [...list].sort((x, y) => Math.abs((rate(x) ?? 2) - 0.5) - Math.abs((rate(y) ?? 2) - 0.5));
  });
  const shown = () => (all() ? rows() : rows().slice(0, FIRST_ROWS));
  return (
    <div class="card" data-testid="trials-card">
      <div class="card-head">
        <h2>Trials</h2>
        <span class="muted">
          {props.run.trials} per item{typeof temperature() === "number" ? ` at temperature ${temperature()}` : ""}
        </span>
      </div>
      <p class="muted">
        Every test item was sampled {props.run.trials} times. Counts are per trial; means are item-weighted (each item's trials averaged
        first) and their 95% intervals come from a two-level bootstrap (items, then trials within items), so they widen when trials
        disagree.
      </p>
      <Show when={summary()?.trials}>
        {(t) => (
          <p data-testid="trials-summary">
            <strong>{t().flaky}</strong> of {t().items} items flaky on <code>{props.primary}</code> (passed in some trials, failed in
            others) · variance within items {score(t().withinVariance, 4)}, between item means {score(t().betweenVariance, 4)}
          </p>
        )}
      </Show>
      <Show when={items.error()}>
        <ErrorNotice error={items.error()} what="the per-item trials" />
      </Show>
      <label class="inline">
        <input type="checkbox" checked={flakyOnly()} onChange={(e) => setFlakyOnly(e.currentTarget.checked)} /> flaky items only
      </label>
      <div class="table-wrap">
        <table data-testid="trials-items">
          <thead>
            <tr>
              <th scope="col">item</th>
              <th scope="col" class="num">
                passed
              </th>
              <th scope="col" class="num">
                pass rate
              </th>
              <th scope="col" class="num">
                mean {props.primary}
              </th>
              <th scope="col" class="num">
                variance
              </th>
            </tr>
          </thead>
          <tbody>
            <For each={shown()} fallback={<EmptyRow flakyOnly={flakyOnly()} loading={items.loading()} />}>
              {(item) => {
                const g = () => item.graders[props.primary];
                return (
                  <tr>
                    <td>
                      <code>#{item.itemId}</code>
                      <Show when={item.errored > 0}>
                        <span class="errored"> · {item.errored} errored</span>
                      </Show>
                    </td>
                    <td class="num">
                      {g()?.passed ?? 0}/{g()?.trials ?? 0}
                    </td>
                    <td class="num">{percent(g()?.passRate ?? null)}</td>
                    <td class="num">{score(g()?.mean ?? null)}</td>
                    <td class="num">{score(g()?.variance ?? null, 4)}</td>
                  </tr>
                );
              }}
            </For>
          </tbody>
        </table>
      </div>
      <Show when={!all() && rows().length > FIRST_ROWS}>
        <button type="button" class="link" onClick={() => setAll(true)}>
          show all {rows().length}
        </button>
      </Show>
    </div>
  );
}

function EmptyRow(props: { flakyOnly: boolean; loading: boolean }) {
  return (
    <tr>
      <td colSpan={5} class="muted">
        {props.loading ? "Loading…" : props.flakyOnly ? "No item changed outcome between trials." : "No items."}
      </td>
    </tr>
  );
}
