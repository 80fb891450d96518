import { Show } from "solid-js";
import type { DatasetVersion } from "../../api/types.ts";
import { Histogram } from "../../components/Histogram.tsx";
import { count, score } from "../../lib/format.ts";

/**
 * A version's token statistics, each figure saying what it counts, and a histogram of tokens per example. A test
 * split is never trained on, so it shows no epochs or trained-token estimates.
 */
export function StatsCard(props: { project: string; version: DatasetVersion; isTest: boolean }) {
  const stats = () => props.version.stats;
  const unit = () => (props.isTest ? "item" : "example");
  return (
    <div class="card">
      <h2>{props.version.ref} statistics</h2>
      <dl class="facts" data-testid="dataset-stats">
        <div>
          <dt>{unit()}s</dt>
          <dd>{count(stats().examples)}</dd>
        </div>
        <div>
          <dt>tokens per {unit()} (all messages)</dt>
          <dd>
            {count(stats().tokensPerExample.min)}–{count(stats().tokensPerExample.max)}
          </dd>
        </div>
        <div>
          <dt>mean · p5 · p95 (all messages)</dt>
          <dd>
            {score(stats().tokensPerExample.mean, 0)} · {count(stats().tokensPerExample.p5)} · {count(stats().tokensPerExample.p95)}
          </dd>
        </div>
        <Show
          when={!props.isTest}
          fallback={
            <div>
              <dt>reference tokens (all items)</dt>
              <dd>{count(stats().assistantTokensPerExample.total)}</dd>
            </div>
          }
        >
          <div>
            <dt>assistant tokens (all examples, one epoch)</dt>
            <dd>{count(stats().assistantTokensPerExample.total)}</dd>
          </div>
        </Show>
        <div>
          <dt>
            {unit()}s over the context limit ({count(stats().contextLimit)} tokens, all messages)
          </dt>
          <dd>{stats().overContextLimit}</dd>
        </div>
        <Show when={!props.isTest}>
          <div>
            <dt>epochs by OpenAI's auto rule</dt>
            <dd>{stats().epochs}</dd>
          </div>
          <div>
            <dt>est. tokens OpenAI bills (all messages × {stats().epochs} epochs)</dt>
            <dd>{count(stats().estimatedTrainedTokens)}</dd>
          </div>
        </Show>
      </dl>
      <Show when={!props.isTest}>
        <p class="muted">
          The local engine picks its own epochs for <code>auto</code> (enough for about 1,500 optimizer steps) and reports trained tokens as
          assistant tokens × epochs, so its figures differ from OpenAI's estimate.
        </p>
      </Show>
      <h3>Tokens per {unit()} (all messages)</h3>
      <Show
        when={stats().tokensHistogram}
        fallback={<p class="muted">No histogram was stored for this version: it was imported by an older tunelab.</p>}
      >
        {(bins) => <Histogram bins={bins()} label={`tokens per ${unit()} (all messages, ${stats().encoding})`} />}
      </Show>
    </div>
  );
}
