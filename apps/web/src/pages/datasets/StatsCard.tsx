import { Show } from "solid-js";
import { api } from "../../api/client.ts";
import type { DatasetVersion } from "../../api/types.ts";
import { Histogram } from "../../components/Histogram.tsx";
import { Loading } from "../../components/Notice.tsx";
import { count, score } from "../../lib/format.ts";
import { load } from "../../lib/load.ts";

/** Rough tokens of one JSONL line for the histogram: ~4 characters per token of the message text. */
function approxTokens(line: string): number {
  try {
    const json = JSON.parse(line) as { messages?: Array<{ content?: unknown }> };
    const chars = (json.messages ?? []).reduce(
      (n, m) => n + (typeof m.content === "string" ? m.content.length : JSON.stringify(m.content ?? "").length) + 4,
      0,
    );
    return Math.max(1, Math.round(chars / 4));
  } catch {
    return 0;
  }
}

/**
 * A version's token statistics, each figure saying what it counts, and a histogram of tokens per example. A test
 * split is never trained on, so it shows no epochs or trained-token estimates.
 */
export function StatsCard(props: { project: string; version: DatasetVersion; isTest: boolean }) {
  const stats = () => props.version.stats;
  const unit = () => (props.isTest ? "item" : "example");
  const content = load(
    () => ({ project: props.project, dataset: props.version.name, number: props.version.number }),
    async (k) => {
      const response = await api.projects[":project"].datasets[":dataset"].versions[":version"].content.$get({
        param: { project: k.project, dataset: k.dataset, version: String(k.number) },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return (await response.text())
        .split("\n")
        .filter((l) => l.trim())
        .map(approxTokens);
    },
  );
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
      <Show when={content.data()} fallback={<Loading what="the examples" />}>
        {(values) => <Histogram values={values()} label={`≈ tokens per ${unit()} (all messages)`} />}
      </Show>
      <p class="muted">
        Bars estimate each {unit()} at ~4 characters per token; the figures above are exact ({stats().encoding}).
      </p>
    </div>
  );
}
