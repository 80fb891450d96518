import { createEffect, createMemo, createSignal, For, on, Show } from "solid-js";
import { ApiError, api, read } from "../../api/client.ts";
import type { GraderTestResult, TestPrompt } from "../../api/types.ts";
import { Notice } from "../../components/Notice.tsx";
import { StatusBadge } from "../../components/Status.tsx";
import { score } from "../../lib/format.ts";
import { cannotRunHere, cliTestCommand } from "../../lib/grader-runnable.ts";
import { load } from "../../lib/load.ts";
import { query, setQuery } from "../../lib/router.ts";

/** A test item for a page with no test split to draw from: one JSONL line, as in a test split file. */
const EXAMPLE_LINE = {
  messages: [
    { role: "system", content: 'Route the ticket. Reply with JSON: {"category": ..., "priority": ...}.' },
    { role: "user", content: "I was charged twice for my subscription this month, please fix it today." },
    { role: "assistant", content: '{"category":"billing","priority":"high"}' },
  ],
  tags: ["billing"],
};
const EXAMPLE_SAMPLE = '{"category":"billing","priority":"high"}';

/**
 * The "try it" box: grader JSON, a test item (a line of the project's test split, built into `item.*` by the server
 * exactly as the eval runner builds it) and a sample → score, sub-scores, errors, rendered inputs and the item as the
 * grader saw it. Graders that cannot run here say so before Grade is pressed.
 */
export function TryGrader(props: { project: string; grader: string; onGrader: (text: string) => void; allowCodeGraders: boolean }) {
  /** How many items the test split has (known once one was read). */
  const [count, setCount] = createSignal(0);
  /** 1-based position of the chosen test item. */
  const position = () => Math.min(Math.max(1, Math.floor(Number(query("item")) || 1)), Math.max(1, count() || Number.POSITIVE_INFINITY));
  // the chosen line of the latest test split, split by the server at its last assistant message (null: no test split)
  // whether the project has a test split at all: its lines are only asked for when it does
  const splitVersions = load(
    () => props.project || null,
    (project) => read(api.projects[":project"]["test-split"].$get({ param: { project } })),
  );
  const hasSplit = () => (splitVersions.data()?.data.length ?? 0) > 0;
  const chosen = load(
    () => (props.project && hasSplit() ? { project: props.project, position: position() } : null),
    (k) =>
      read(
        api.projects[":project"]["test-split"].prompts.$get({
          param: { project: k.project },
          query: { offset: String(k.position - 1), limit: "1" },
        }),
      ).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
  );
  createEffect(() => setCount(chosen.data()?.total ?? 0));
  const [item, setItem] = createSignal(JSON.stringify(EXAMPLE_LINE, null, 2));
  const [sample, setSample] = createSignal(EXAMPLE_SAMPLE);
  // what the user typed is never replaced by a test item that arrives later
  const [itemEdited, setItemEdited] = createSignal(false);
  const [sampleEdited, setSampleEdited] = createSignal(false);
  const [result, setResult] = createSignal<GraderTestResult>();
  /** Fills the boxes with a test item and its reference (as the sample), unless the user typed in them. */
  const show = (prompt: TestPrompt | undefined) => {
    if (prompt === undefined) return;
    if (!itemEdited()) setItem(JSON.stringify(prompt.line, null, 2));
    if (!sampleEdited() && prompt.reference !== null) setSample(prompt.reference);
  };
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);

  createEffect(on(() => chosen.data()?.data[0], show));
  // a result belongs to the grader that produced it
  createEffect(
    on(
      () => props.grader,
      () => {
        setResult(undefined);
        setError(undefined);
      },
      { defer: true },
    ),
  );
  const pick = (n: number) => {
    setItemEdited(false);
    setResult(undefined);
    // the same item again (reset): shown at once, as nothing is fetched
    if (n === position()) show(chosen.data()?.data[0]);
    setQuery({ item: n > 1 ? n : null });
  };

  const parsedGrader = createMemo((): unknown => {
    try {
      return JSON.parse(props.grader);
    } catch {
      return undefined;
    }
  });
  const blocked = createMemo(() => cannotRunHere(parsedGrader(), props.allowCodeGraders));
  const itemHasNoMessages = createMemo(() => {
    try {
      const parsed = JSON.parse(item() || "{}") as { messages?: unknown };
      return !Array.isArray(parsed.messages);
    } catch {
      return false;
    }
  });

  const run = async () => {
    setError(undefined);
    setResult(undefined);
    let graderJson: Record<string, unknown>;
    let itemJson: Record<string, unknown>;
    try {
      graderJson = JSON.parse(props.grader) as Record<string, unknown>;
      itemJson = JSON.parse(item() || "{}") as Record<string, unknown>;
    } catch (e) {
      setError(`Not valid JSON: ${(e as Error).message}. Fix the grader or item box.`);
      return;
    }
    setBusy(true);
    try {
      setResult(
        await read(api.graders.test.$post({ json: { grader: graderJson, sample: sample(), item: itemJson, position: position() - 1 } })),
      );
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="card try" data-testid="try-grader">
      <h2>Try it</h2>
      <div class="grid-2">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run();
          }}
        >
          <label for="grader-json">grader (JSON)</label>
          <textarea
            id="grader-json"
            rows={9}
            value={props.grader}
            onInput={(e) => props.onGrader(e.currentTarget.value)}
            spellcheck={false}
          />
          <Show when={blocked().length > 0}>
            <Notice kind="info" title="This grader cannot run in the browser">
              <ul data-testid="cannot-run">
                <For each={blocked()}>
                  {(b) => (
                    <li>
                      <strong>{b.grader}</strong> ({b.type}) {b.why}. It runs {b.where}.
                    </li>
                  )}
                </For>
              </ul>
              <Show when={blocked().some((b) => b.kind === "code")}>
                <p>In a terminal, in the project's directory:</p>
                <pre class="diff" data-testid="cli-command">
                  {cliTestCommand(parsedGrader() as Record<string, unknown>, sample(), item())}
                </pre>
              </Show>
            </Notice>
          </Show>

          <div class="item-pick">
            <label for="item-json">test item: one line of the test split (JSONL), built into item.* as the eval runner builds it</label>
            <Show when={count() > 0}>
              <div class="filters">
                <label>
                  item #
                  <input
                    type="number"
                    name="item"
                    min={1}
                    max={count()}
                    value={position()}
                    onChange={(e) => pick(Number(e.currentTarget.value) || 1)}
                  />
                </label>
                <span class="muted">
                  of {count()} in {chosen.data()?.version}
                  <Show when={itemEdited()}>
                    {" "}
                    · edited ·{" "}
                    <button type="button" class="link" onClick={() => pick(position())}>
                      reset
                    </button>
                  </Show>
                </span>
              </div>
            </Show>
          </div>
          <textarea
            id="item-json"
            rows={10}
            value={item()}
            onInput={(e) => {
              setItem(e.currentTarget.value);
              setItemEdited(true);
            }}
            spellcheck={false}
          />
          <Show when={itemHasNoMessages()}>
            <p class="note" data-testid="item-hint">
              This item has no <code>messages</code>, so it is used as given: <code>item.reference</code>, <code>item.reference_json</code>{" "}
              and <code>item.reference_tools</code> are only derived from a test-split line's last assistant message.
            </p>
          </Show>
          <label for="sample-text">sample: the model's output text (starts as the item's reference, a perfect answer)</label>
          <textarea
            id="sample-text"
            rows={2}
            value={sample()}
            onInput={(e) => {
              setSample(e.currentTarget.value);
              setSampleEdited(true);
            }}
            spellcheck={false}
          />
          <p>
            <button
              type="submit"
              class="primary"
              disabled={busy() || blocked().length > 0}
              title={blocked().length > 0 ? "this grader cannot run in the browser (see above)" : undefined}
            >
              {busy() ? "Grading…" : "Grade"}
            </button>
          </p>
        </form>
        <div>
          <Show when={error()}>
            <Notice kind="error" title="The grader could not run">
              <p>{error()}</p>
            </Notice>
          </Show>
          <Show when={!result() && !error()}>
            <p class="muted">Press Grade to see the score, the rendered inputs and the item as the grader sees it.</p>
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
                <pre class="diff" data-testid="rendered">
                  {JSON.stringify(r().rendered, null, 2)}
                </pre>
                <p class="muted">
                  errors:{" "}
                  {Object.entries(r().errors)
                    .filter(([, v]) => v)
                    .map(([k]) => k)
                    .join(", ") || "none"}
                </p>
                <Show when={r().item}>
                  <details data-testid="built-item">
                    <summary>The item as the grader saw it (item.*)</summary>
                    <pre class="diff">{JSON.stringify(r().item, null, 2)}</pre>
                  </details>
                </Show>
              </div>
            )}
          </Show>
        </div>
      </div>
    </div>
  );
}
