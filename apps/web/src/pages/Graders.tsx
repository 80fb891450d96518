import { createEffect, createSignal, For, on, Show } from "solid-js";
import { api, read } from "../api/client.ts";
import type { GraderConfig } from "../api/types.ts";
import { ErrorNotice, Loading, Notice } from "../components/Notice.tsx";
import { cannotRunHere } from "../lib/grader-runnable.ts";
import { load } from "../lib/load.ts";
import { usePage } from "../lib/page.ts";
import { query, setQuery } from "../lib/router.ts";
import { EXAMPLES } from "./graders/grader-examples.ts";
import { TryGrader } from "./graders/TryGrader.tsx";

/** The registry's types that never run in the try box (they call a model); code types depend on the server. */
const MODEL_TYPES = new Set(["score_model", "label_model"]);
const CODE_TYPES = new Set(["python", "custom"]);

/** The grader registry, the project's grader set (saying which graders cannot run here, and why) and a "try it" box. */
export default function Graders(props: { project: string }) {
  usePage({ title: () => (props.project ? `${props.project} graders` : "Graders") });
  const types = load(
    () => true,
    () => read(api.graders.types.$get()),
  );
  const allowCode = () => types.data()?.allowCodeGraders === true;
  const set = load(
    () => props.project || null,
    (project) => read(api.projects[":project"].graders.$get({ param: { project } })),
  );
  const initialType = query("type") || "string_check";
  const [grader, setGrader] = createSignal(JSON.stringify(EXAMPLES[initialType] ?? EXAMPLES.string_check, null, 2));
  // a link to one of the project's graders (?grader=NAME) opens it in the box
  createEffect(
    on(
      () => set.data()?.current,
      (current) => {
        const named = current?.graders.find((g) => g.name === query("grader"));
        if (named) setGrader(JSON.stringify(named, null, 2));
      },
    ),
  );
  const blockedIn = (g: GraderConfig) => cannotRunHere(g, allowCode());

  const pick = (config: object, patch: Record<string, string | null>) => {
    setGrader(JSON.stringify(config, null, 2));
    setQuery(patch);
  };

  return (
    <section class="graders">
      <div class="page-head">
        <h1>Graders</h1>
        <p class="muted">OpenAI grader JSON works unchanged; tunelab adds JSON, tool-call, regex, numeric and length graders.</p>
      </div>
      <div class="grid-2">
        <Show when={props.project}>
          <div class="card" data-testid="project-graders">
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
                    {current().ref} · primary metric <strong>{current().primaryMetric}</strong> · {set.data()?.versions.length} version(s).
                    Pick one to try it on a test item.
                  </p>
                  <div class="types">
                    <For each={current().graders}>
                      {(g) => (
                        <button
                          type="button"
                          data-grader={g.name}
                          aria-pressed={query("grader") === g.name}
                          onClick={() => pick(g, { grader: g.name, type: null })}
                          title={blockedIn(g).length > 0 ? "cannot run in the browser: see below" : "load into the try-it box"}
                        >
                          {g.name} <span class="muted">({g.type})</span>
                          <Show when={blockedIn(g).length > 0}>
                            <span class="tag">{blockedIn(g).some((b) => b.kind === "code") ? "runs code" : "calls a model"}</span>
                          </Show>
                        </button>
                      )}
                    </For>
                  </div>
                  <Show when={current().graders.some((g) => blockedIn(g).length > 0)}>
                    <div class="note" data-testid="not-here">
                      <strong>Cannot run in the browser:</strong>
                      <ul>
                        <For each={current().graders.flatMap(blockedIn)}>
                          {(b) => (
                            <li>
                              <strong>{b.grader}</strong> ({b.type}) {b.why}. It runs {b.where}.
                            </li>
                          )}
                        </For>
                      </ul>
                    </div>
                  </Show>
                </>
              )}
            </Show>
          </div>
        </Show>
        <div class="card">
          <h2>Registry</h2>
          <Show when={types.error()}>
            <ErrorNotice error={types.error()} what="grader types" />
          </Show>
          <Show when={types.data()} fallback={<Loading what="grader types" />}>
            {(list) => (
              <div class="types" data-testid="grader-types">
                <For each={list().data}>
                  {(type) => (
                    <button
                      type="button"
                      aria-pressed={!query("grader") && query("type") === type}
                      disabled={!EXAMPLES[type]}
                      title={EXAMPLES[type] ? `load a ${type} example` : "no example to try here (see below)"}
                      onClick={() => {
                        const example = EXAMPLES[type];
                        if (example) pick(example, { type, grader: null });
                      }}
                    >
                      {type}
                    </button>
                  )}
                </For>
              </div>
            )}
          </Show>
          <p class="muted">
            Not tried here: {[...MODEL_TYPES].join(" and ")} ask a model for the grade, and this box calls no provider (they grade in eval
            runs). {[...CODE_TYPES].join(" and ")} run code on the server:{" "}
            {allowCode()
              ? "this server allows it (--allow-code-graders), so the project's code graders can be tried here."
              : "this server does not run them for web pages; try them with `tunelab graders test --grader FILE --sample TEXT`."}
          </p>
        </div>
      </div>
      <TryGrader project={props.project} grader={grader()} onGrader={setGrader} allowCodeGraders={allowCode()} />
    </section>
  );
}
