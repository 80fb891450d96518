import { createSignal, For, Show } from "solid-js";
import { api, read } from "../api/client.ts";
import type { GraderSet, GraderTestResult } from "../api/types.ts";
import { ErrorNotice, Loading, Notice } from "../components/Notice.tsx";
import { StatusBadge } from "../components/Status.tsx";
import { score } from "../lib/format.ts";
import { load } from "../lib/load.ts";
import { query, setQuery } from "../lib/router.ts";

const OUT = "{{sample.output_text}}";
const REF = "{{item.reference}}";
/** A starting config per type for the "try it" box. */
const EXAMPLES: Record<string, object> = {
  string_check: { type: "string_check", name: "exact", input: OUT, reference: REF, operation: "eq" },
  text_similarity: {
    type: "text_similarity",
    name: "similar",
    input: OUT,
    reference: REF,
    evaluation_metric: "fuzzy_match",
    pass_threshold: 0.8,
  },
  json_valid: { type: "json_valid", name: "valid_json" },
  json_schema: { type: "json_schema", name: "schema", schema: { type: "object", required: ["category"] } },
  json_match: { type: "json_match", name: "fields", fields: ["category", "priority"] },
  regex: { type: "regex", name: "has_category", pattern: '"category"' },
  numeric: { type: "numeric", name: "close", input: OUT, reference: REF, tolerance: 0.01 },
  length: { type: "length", name: "short", max: 200 },
  multi: {
    type: "multi",
    name: "both",
    graders: { a: { type: "string_check", name: "a", input: OUT, reference: REF, operation: "eq" }, b: { type: "json_valid", name: "b" } },
    calculate_output: "(a + b) / 2",
  },
};
const SERVER_ONLY = new Set(["python", "custom", "score_model", "label_model"]);
const DEFAULT_ITEM = { reference: '{"category":"billing","priority":"high"}' };

/** The grader registry and a "try it" box: grader JSON + sample + item → score, sub-scores, errors, rendered inputs. */
export default function Graders(props: { project: string }) {
  const types = load(
    () => true,
    async () => (await read<{ data: string[] }>(api.graders.types.$get())).data,
  );
  const set = load(
    () => props.project || null,
    (project) => read<{ current: GraderSet | null; versions: GraderSet[] }>(api.projects[":project"].graders.$get({ param: { project } })),
  );
  const initialType = query("type") || "string_check";
  const [grader, setGrader] = createSignal(JSON.stringify(EXAMPLES[initialType] ?? EXAMPLES.string_check, null, 2));
  const [sample, setSample] = createSignal('{"category":"billing","priority":"high"}');
  const [item, setItem] = createSignal(JSON.stringify(DEFAULT_ITEM, null, 2));
  const [result, setResult] = createSignal<GraderTestResult>();
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);

  const pick = (config: object, type: string) => {
    setGrader(JSON.stringify(config, null, 2));
    setQuery({ type });
    setResult(undefined);
    setError(undefined);
  };
  const run = async () => {
    setError(undefined);
    setResult(undefined);
    let graderJson: Record<string, unknown>;
    let itemJson: Record<string, unknown>;
    try {
      graderJson = JSON.parse(grader()) as Record<string, unknown>;
      itemJson = JSON.parse(item() || "{}") as Record<string, unknown>;
    } catch (e) {
      setError(`Not valid JSON: ${(e as Error).message}. Fix the grader or item box.`);
      return;
    }
    setBusy(true);
    try {
      setResult(await read<GraderTestResult>(api.graders.test.$post({ json: { grader: graderJson, sample: sample(), item: itemJson } })));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="graders">
      <div class="page-head">
        <h1>Graders</h1>
        <p class="muted">OpenAI grader JSON works unchanged; tunelab adds JSON, tool-call, regex, numeric and length graders.</p>
      </div>
      <Show when={props.project}>
        <div class="card">
          <h2>{props.project}'s grader set</h2>
          <Show when={set.error()}>
            <ErrorNotice error={set.error()} what="the grader set" />
          </Show>
          <Show
            when={set.data()?.current}
            fallback={
              <Show when={set.data()}>
                <Notice kind="empty" title="No graders yet">
                  <p>
                    Add them with <code>tunelab graders add graders.json</code>; experiments are scored once a grader set exists.
                  </p>
                </Notice>
              </Show>
            }
          >
            {(current) => (
              <>
                <p>
                  {current().ref} · primary metric <strong>{current().primaryMetric}</strong> · {set.data()?.versions.length} version(s)
                </p>
                <div class="types">
                  <For each={current().graders}>
                    {(g) => (
                      <button type="button" onClick={() => pick(g, g.type)} title="load into the try-it box">
                        {g.name} <span class="muted">({g.type})</span>
                      </button>
                    )}
                  </For>
                </div>
              </>
            )}
          </Show>
        </div>
      </Show>
      <div class="grid-2">
        <div class="card">
          <h2>Registry</h2>
          <Show when={types.error()}>
            <ErrorNotice error={types.error()} what="grader types" />
          </Show>
          <Show when={types.data()} fallback={<Loading what="grader types" />}>
            {(list) => (
              <div class="types" data-testid="grader-types">
                <For each={list()}>
                  {(type) => (
                    <button
                      type="button"
                      aria-pressed={query("type") === type}
                      disabled={!EXAMPLES[type]}
                      title={
                        SERVER_ONLY.has(type) ? "runs code or calls a model: try it with `tunelab graders test`" : `load a ${type} example`
                      }
                      onClick={() => {
                        const example = EXAMPLES[type];
                        if (example) pick(example, type);
                      }}
                    >
                      {type}
                    </button>
                  )}
                </For>
              </div>
            )}
          </Show>
          <p class="muted">python, custom and model graders run code or call a model; try those with `tunelab graders test`.</p>
        </div>
        <div class="card try">
          <h2>Try it</h2>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void run();
            }}
          >
            <label for="grader-json">grader (JSON)</label>
            <textarea id="grader-json" rows={9} value={grader()} onInput={(e) => setGrader(e.currentTarget.value)} spellcheck={false} />
            <label for="sample-text">sample: the model's output text</label>
            <textarea id="sample-text" rows={2} value={sample()} onInput={(e) => setSample(e.currentTarget.value)} spellcheck={false} />
            <label for="item-json">item (JSON: reference and other fields)</label>
            <textarea id="item-json" rows={4} value={item()} onInput={(e) => setItem(e.currentTarget.value)} spellcheck={false} />
            <p>
              <button type="submit" class="primary" disabled={busy()}>
                {busy() ? "Grading…" : "Grade"}
              </button>
            </p>
          </form>
          <Show when={error()}>
            <Notice kind="error" title="The grader could not run">
              <p>{error()}</p>
            </Notice>
          </Show>
          <Show when={result()}>
            {(r) => (
              <div class="result" data-testid="grader-result">
                <p>
                  score <strong>{score(r().score)}</strong> <StatusBadge status={r().status} />
                  {r().reason ? <span class="muted"> · {r().reason}</span> : ""}
                </p>
                <Show when={r().error}>
                  <p class="errored">
                    {r().error?.type}: {r().error?.message}
                  </p>
                </Show>
                <Show when={r().subScores && Object.keys(r().subScores ?? {}).length > 0}>
                  <h3>Sub-scores</h3>
                  <dl class="kv">
                    <For each={Object.entries(r().subScores ?? {})}>
                      {([k, v]) => (
                        <>
                          <dt>{k}</dt>
                          <dd>{score(v)}</dd>
                        </>
                      )}
                    </For>
                  </dl>
                </Show>
                <h3>Rendered inputs</h3>
                <pre class="diff">{JSON.stringify(r().rendered, null, 2)}</pre>
                <p class="muted">
                  errors:{" "}
                  {Object.entries(r().errors)
                    .filter(([, v]) => v)
                    .map(([k]) => k)
                    .join(", ") || "none"}
                </p>
              </div>
            )}
          </Show>
        </div>
      </div>
    </section>
  );
}
