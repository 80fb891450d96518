import { For, Show } from "solid-js";
import type { Comparison } from "../../api/types.ts";
import { pValue, score, signed } from "../../lib/format.ts";

/** A vs B per test-item tag on the primary metric: pairs, both means, the paired delta with its interval and p-value. */
export function TagBreakdown(props: { comparison: Comparison }) {
  const c = () => props.comparison;
  return (
    <div class="card" data-testid="compare-by-tag">
      <h2>
        Per tag <Show when={c().primaryMetric}>{(m) => <span class="muted">(on {m()}, the primary metric)</span>}</Show>
      </h2>
      <Show
        when={c().byTag.length > 0}
        fallback={
          <p class="muted">
            {c().primaryMetric
              ? 'No test item has tags. Give the test split\'s lines a "tags" list (or metadata.tags) to see each slice here.'
              : "The two runs share no primary metric."}
          </p>
        }
      >
        <div class="table-wrap">
          <table data-testid="compare-tags">
            <thead>
              <tr>
                <th scope="col">tag</th>
                <th scope="col" class="num">
                  n
                </th>
                <th scope="col" class="num">
                  A
                </th>
                <th scope="col" class="num">
                  B
                </th>
                <th scope="col" class="num">
                  Δ mean
                </th>
                <th scope="col">95% CI</th>
                <th scope="col" class="num">
                  p
                </th>
                <th scope="col" class="num">
                  regressed
                </th>
                <th scope="col" class="num">
                  improved
                </th>
                <th scope="col" class="num">
                  both failed
                </th>
              </tr>
            </thead>
            <tbody>
              <For each={c().byTag}>
                {(t) => {
                  const significant = () => t.delta.ci !== null && (t.delta.ci.low > 0 || t.delta.ci.high < 0);
                  const tone = () => (!significant() ? "" : (t.delta.mean ?? 0) > 0 ? "delta-good" : "delta-bad");
                  return (
                    <tr data-tag={t.tag}>
                      <th scope="row">{t.tag}</th>
                      <td class="num">{t.n}</td>
                      <td class="num">{score(t.meanA)}</td>
                      <td class="num">{score(t.meanB)}</td>
                      <td class={`num ${tone()}`}>{signed(t.delta.mean)}</td>
                      <td class="muted">{t.delta.ci ? `${signed(t.delta.ci.low)} … ${signed(t.delta.ci.high)}` : "—"}</td>
                      <td class="num">{pValue(t.delta.pValue)}</td>
                      <td class="num">{t.regressed}</td>
                      <td class="num">{t.improved}</td>
                      <td class="num">{t.bothFailed}</td>
                    </tr>
                  );
                }}
              </For>
            </tbody>
          </table>
        </div>
        <p class="muted">
          An item with several tags counts in each. Each p-value is for its tag alone: with many tags, expect some small ones by chance.
        </p>
      </Show>
    </div>
  );
}
