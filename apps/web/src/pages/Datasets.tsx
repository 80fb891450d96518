import { createMemo, For, Show } from "solid-js";
import { api, read } from "../api/client.ts";
import type { DatasetVersion } from "../api/types.ts";
import { ErrorNotice, Loading, Notice } from "../components/Notice.tsx";
import { count, when } from "../lib/format.ts";
import { load } from "../lib/load.ts";
import { usePage } from "../lib/page.ts";
import { query, setQuery } from "../lib/router.ts";
import { StatsCard } from "./datasets/StatsCard.tsx";
import { TestItems } from "./datasets/TestItems.tsx";
import { UploadVersion } from "./datasets/UploadVersion.tsx";
import { ValidationCard } from "./datasets/ValidationCard.tsx";

function firstUser(example: unknown): string {
  const messages = (example as { messages?: Array<{ role: string; content: unknown }> })?.messages ?? [];
  const user = messages.find((m) => m.role === "user");
  return typeof user?.content === "string" ? user.content : JSON.stringify(user?.content ?? example).slice(0, 200);
}

/** Datasets and their versions (stats, token histogram, warnings, leakage, diffs), the test split and the grader set versions. */
export default function Datasets(props: { project: string }) {
  usePage({ title: () => `${query("dataset") ? `${query("dataset")} · ` : ""}${props.project} datasets` });
  const datasets = load(
    () => props.project,
    async (project) => (await read(api.projects[":project"].datasets.$get({ param: { project } }))).data,
  );
  const graders = load(
    () => props.project,
    (project) => read(api.projects[":project"].graders.$get({ param: { project } })),
  );
  const chosen = createMemo(() => {
    const list = datasets.data() ?? [];
    return list.find((d) => d.name === query("dataset")) ?? list.find((d) => d.role === "train") ?? list[0];
  });
  const version = createMemo((): DatasetVersion | undefined => {
    const d = chosen();
    if (!d) return undefined;
    const n = Number(query("v"));
    return d.versions.find((v) => v.number === n) ?? d.versions.at(-1);
  });
  // the diff selectors' options as strings, so a reloaded dataset list keeps the same <option> elements, and each
  // option says whether it is chosen (a <select>'s value set before its options exist is lost)
  const versionNumbers = createMemo(() => (chosen()?.versions ?? []).map((v) => v.number), undefined, {
    equals: (a, b) => a.join() === b.join(),
  });
  const refOf = (n: number) => chosen()?.versions.find((v) => v.number === n)?.ref ?? `@${n}`;
  const diffFrom = () => Number(query("from")) || 0;
  const diffTo = () => Number(query("to")) || 0;
  const diff = load(
    () =>
      chosen() && diffFrom() && diffTo() && diffFrom() !== diffTo()
        ? { project: props.project, dataset: chosen()?.name ?? "", from: diffFrom(), to: diffTo() }
        : null,
    (k) =>
      read(
        api.projects[":project"].datasets[":dataset"].diff.$get({
          param: { project: k.project, dataset: k.dataset },
          query: { from: String(k.from), to: String(k.to) },
        }),
      ),
  );
  return (
    <section class="datasets">
      <div class="page-head">
        <h1>
          {props.project} <span class="muted">datasets</span>
        </h1>
      </div>
      <Show when={datasets.data()}>
        {(list) => (
          <UploadVersion
            project={props.project}
            datasets={list()
              .filter((d) => d.role === "train")
              .map((d) => d.name)}
            current={query("dataset")}
            onStored={(dataset, v) => {
              datasets.refetch();
              setQuery({ dataset, v, from: null, to: null, page: null, q: null }, { push: true });
            }}
          />
        )}
      </Show>
      <Show when={datasets.error()}>
        <ErrorNotice error={datasets.error()} what="datasets" />
      </Show>
      <Show when={datasets.data()} fallback={<Show when={!datasets.error()}>{<Loading what="datasets" />}</Show>}>
        {(list) => (
          <Show
            when={list().length > 0}
            fallback={
              <Notice kind="empty" title="No data in this project yet">
                <p>
                  Freeze a test split first: <code>tunelab split test.jsonl --project {props.project}</code>, then import training data:{" "}
                  <code>tunelab data import train.jsonl --project {props.project} --dataset train</code>. Files are OpenAI fine-tuning
                  JSONL; errors name the line.
                </p>
              </Notice>
            }
          >
            <div class="filters">
              <fieldset class="segmented">
                <legend class="sr-only">dataset</legend>
                <For each={list()}>
                  {(d) => (
                    <button
                      type="button"
                      aria-pressed={chosen()?.name === d.name}
                      onClick={() => setQuery({ dataset: d.name, v: null, from: null, to: null, page: null, q: null })}
                    >
                      {d.name} {d.role === "test" ? "(test split)" : ""} · {d.versions.length} version(s)
                    </button>
                  )}
                </For>
              </fieldset>
            </div>
            <Show when={chosen()?.role === "test"}>
              <p class="note">
                This is the project's frozen test split: every experiment is scored on its latest version. Changing it starts a new
                leaderboard; a training version that repeats its items has them reported as leakage in its validation panel. Its items are
                listed below, as graders see them.
              </p>
            </Show>

            <div class="card">
              <h2>Versions of {chosen()?.name}</h2>
              <div class="table-wrap">
                <table data-testid="versions">
                  <thead>
                    <tr>
                      <th scope="col">version</th>
                      <th scope="col">message</th>
                      <th scope="col" class="num">
                        {chosen()?.role === "test" ? "items" : "examples"}
                      </th>
                      <th scope="col" class="num">
                        tokens (all messages)
                      </th>
                      <th scope="col" class="num">
                        warnings
                      </th>
                      <th scope="col">created</th>
                      <th scope="col">diff</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={[...(chosen()?.versions ?? [])].reverse()}>
                      {(v) => (
                        <tr classList={{ selected: v.id === version()?.id }}>
                          <td>
                            <button
                              type="button"
                              class="link"
                              onClick={() => setQuery({ v: v.number, page: null })}
                              aria-pressed={v.id === version()?.id}
                            >
                              {v.ref}
                            </button>
                          </td>
                          <td style={{ "white-space": "normal" }}>{v.message || <span class="muted">—</span>}</td>
                          <td class="num">{count(v.exampleCount)}</td>
                          <td class="num">{count(v.stats.tokensPerExample.total)}</td>
                          <td class="num">{v.report.warnings}</td>
                          <td>{when(v.createdAt)}</td>
                          <td>
                            <Show when={v.number > 1}>
                              <button type="button" class="link" onClick={() => setQuery({ from: v.number - 1, to: v.number })}>
                                vs @{v.number - 1}
                              </button>
                            </Show>
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </div>

            <Show when={version()}>
              {(v) => (
                <>
                  <div class="grid-2">
                    <StatsCard project={props.project} version={v()} isTest={chosen()?.role === "test"} />
                    <ValidationCard version={v()} isTest={chosen()?.role === "test"} />
                  </div>
                  <Show when={chosen()?.role === "test"}>
                    <TestItems project={props.project} version={v().number} />
                  </Show>
                </>
              )}
            </Show>

            <Show when={(chosen()?.versions.length ?? 0) > 1}>
              <div class="card">
                <div class="card-head">
                  <h2>Diff between versions</h2>
                  <div class="filters" style={{ margin: "0" }}>
                    <label>
                      from
                      <select name="from" value={String(diffFrom() || "")} onChange={(e) => setQuery({ from: e.currentTarget.value })}>
                        <option value="">—</option>
                        <For each={versionNumbers()}>
                          {(n) => (
                            <option value={String(n)} selected={diffFrom() === n}>
                              {refOf(n)}
                            </option>
                          )}
                        </For>
                      </select>
                    </label>
                    <label>
                      to
                      <select name="to" value={String(diffTo() || "")} onChange={(e) => setQuery({ to: e.currentTarget.value })}>
                        <option value="">—</option>
                        <For each={versionNumbers()}>
                          {(n) => (
                            <option value={String(n)} selected={diffTo() === n}>
                              {refOf(n)}
                            </option>
                          )}
                        </For>
                      </select>
                    </label>
                  </div>
                </div>
                <Show when={diff.error()}>
                  <ErrorNotice error={diff.error()} what="the diff" />
                </Show>
                <Show when={diff.data()} fallback={<p class="muted">Pick two versions to see the examples added and removed.</p>}>
                  {(d) => (
                    <div data-testid="dataset-diff">
                      <p>
                        {d().from} → {d().to}: <span class="delta-good">+{d().added.length} added</span>,{" "}
                        <span class="delta-bad">−{d().removed.length} removed</span>, {d().unchanged} unchanged
                      </p>
                      <div class="grid-2">
                        <For each={[["added", d().added] as const, ["removed", d().removed] as const]}>
                          {([kind, entries]) => (
                            <div>
                              <h3>{kind}</h3>
                              <ul class="issues">
                                <For each={entries.slice(0, 30)}>
                                  {(entry) => (
                                    <li>
                                      <span class="muted">line {entry.line}:</span> {firstUser(entry.example).slice(0, 160)}
                                    </li>
                                  )}
                                </For>
                              </ul>
                              <Show when={entries.length > 30}>
                                <p class="muted">…and {entries.length - 30} more</p>
                              </Show>
                            </div>
                          )}
                        </For>
                      </div>
                    </div>
                  )}
                </Show>
              </div>
            </Show>
          </Show>
        )}
      </Show>

      <div class="card">
        <div class="card-head">
          <h2>Grader set</h2>
          <a href={`/projects/${props.project}/graders`}>Try a grader →</a>
        </div>
        <Show when={graders.error()}>
          <ErrorNotice error={graders.error()} what="the grader set" />
        </Show>
        <Show
          when={(graders.data()?.versions.length ?? 0) > 0}
          fallback={
            <p class="muted">
              No graders yet: add one with <code>tunelab graders add graders.json</code> (OpenAI grader JSON works as is).
            </p>
          }
        >
          <div class="table-wrap">
            <table data-testid="grader-sets">
              <thead>
                <tr>
                  <th scope="col">version</th>
                  <th scope="col">primary metric</th>
                  <th scope="col">graders</th>
                  <th scope="col">created</th>
                </tr>
              </thead>
              <tbody>
                <For each={[...(graders.data()?.versions ?? [])].reverse()}>
                  {(g) => (
                    <tr>
                      <td>
                        {g.ref}
                        {g.id === graders.data()?.current?.id && <span class="tag">current</span>}
                      </td>
                      <td>{g.primaryMetric}</td>
                      <td style={{ "white-space": "normal" }}>{g.graders.map((x) => `${x.name} (${x.type})`).join(", ")}</td>
                      <td>{when(g.createdAt)}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </Show>
      </div>
    </section>
  );
}
