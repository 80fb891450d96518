import { createMemo, For, Show } from "solid-js";
import { api, read } from "../../api/client.ts";
import type { EvalRun, SamplePage, SampleRow } from "../../api/types.ts";
import { ErrorNotice, Notice } from "../../components/Notice.tsx";
import { StatusBadge } from "../../components/Status.tsx";
import { TextDiff } from "../../components/TextDiff.tsx";
import { score } from "../../lib/format.ts";
import { load } from "../../lib/load.ts";
import { query, setQuery } from "../../lib/router.ts";
import { type TestItemView, testSplitItems } from "../../lib/test-split.ts";

const PAGE = 50;
const SEARCH_LIMIT = 500;
const STATUSES = ["", "passed", "failed", "errored"] as const;

/** The eval run's items: filter by status and tag, search, page; each row opens output vs reference as a diff. */
export function SampleTable(props: { run: EvalRun; project: string; primary: string | undefined; tags: string[] }) {
  const status = () => ((STATUSES as readonly string[]).includes(query("status")) ? query("status") : "");
  const page = () => Math.max(0, Number(query("page")) || 0);
  const search = () => query("q").trim().toLowerCase();
  const items = load(
    () => (props.project ? { project: props.project, version: props.run.testSplitVersionId } : null),
    (k) => testSplitItems(k.project, k.version),
  );
  const samples = load(
    () => ({ run: props.run.id, status: status(), tag: query("tag"), page: search() ? 0 : page(), searching: Boolean(search()) }),
    (k) =>
      read<SamplePage>(
        api["eval-runs"][":id"].samples.$get({
          param: { id: k.run },
          query: {
            ...(k.status ? { status: k.status as "passed" } : {}),
            ...(k.tag ? { tag: k.tag } : {}),
            offset: String(k.searching ? 0 : k.page * PAGE),
            limit: String(k.searching ? SEARCH_LIMIT : PAGE),
          },
        }),
      ),
  );
  const item = (s: SampleRow): TestItemView | undefined => items.data()?.[s.position];
  const matches = createMemo(() => {
    const data = samples.data()?.data ?? [];
    const q = search();
    if (!q) return data;
    return data.filter((s) =>
      [s.itemId, s.output ?? "", item(s)?.input ?? "", item(s)?.reference ?? "", s.tags.join(" ")].some((t) => t.toLowerCase().includes(q)),
    );
  });
  const total = () => (search() ? matches().length : (samples.data()?.total ?? 0));
  const shown = () => (search() ? matches().slice(page() * PAGE, page() * PAGE + PAGE) : matches());
  const pages = () => Math.max(1, Math.ceil(total() / PAGE));
  const open = () => query("item");
  const primary = () => props.primary ?? Object.keys((props.run.aggregates as { graders?: object } | null)?.graders ?? {})[0];

  return (
    <div class="card">
      <div class="card-head">
        <h2>Items</h2>
        <span class="muted" data-testid="item-count">
          {total()} item(s)
          {samples.loading() ? " · loading…" : ""}
        </span>
      </div>
      <form class="filters" aria-label="filters" onSubmit={(e) => e.preventDefault()}>
        <fieldset class="segmented">
          <legend class="sr-only">result</legend>
          <For each={STATUSES}>
            {(s) => (
              <button
                type="button"
                aria-pressed={status() === s}
                onClick={() => setQuery({ status: s, page: null })}
                data-filter={s || "all"}
              >
                {s || "all"}
              </button>
            )}
          </For>
        </fieldset>
        <label>
          Tag
          <select name="tag" value={query("tag")} onChange={(e) => setQuery({ tag: e.currentTarget.value, page: null })}>
            <option value="">any</option>
            <For each={props.tags}>{(t) => <option value={t}>{t}</option>}</For>
          </select>
        </label>
        <label>
          Search
          <input
            type="search"
            name="q"
            placeholder="text in input, output or reference"
            value={query("q")}
            onInput={(e) => setQuery({ q: e.currentTarget.value, page: null })}
          />
        </label>
      </form>
      <Show when={samples.error()}>
        <ErrorNotice error={samples.error()} what="the items" />
      </Show>
      <Show
        when={shown().length > 0 || samples.loading()}
        fallback={
          <Notice kind="empty" title="No item matches">
            <p>Pick another result or tag, or clear the search.</p>
          </Notice>
        }
      >
        <div class="table-wrap">
          <table class="items" data-testid="items-table">
            <thead>
              <tr>
                <th scope="col" class="num">
                  #
                </th>
                <th scope="col">result</th>
                <th scope="col" class="num">
                  {primary() ?? "score"}
                </th>
                <th scope="col">input</th>
                <th scope="col">output (vs reference)</th>
                <th scope="col">tags</th>
              </tr>
            </thead>
            <tbody>
              <For each={shown()}>
                {(s) => {
                  const expanded = () => open() === s.itemId;
                  return (
                    <>
                      <tr data-item={s.itemId} data-status={s.status}>
                        <td class="num">
                          <button
                            type="button"
                            class="link"
                            aria-expanded={expanded()}
                            aria-label={`item ${s.itemId} details`}
                            onClick={() => setQuery({ item: expanded() ? null : s.itemId })}
                          >
                            {s.itemId} {expanded() ? "▾" : "▸"}
                          </button>
                        </td>
                        <td>
                          <StatusBadge status={s.status} />
                        </td>
                        <td class="num">{score(primary() ? s.grades[primary() ?? ""]?.score : null, 2)}</td>
                        <td>{(item(s)?.input ?? "").slice(0, 140)}</td>
                        <td class="output">
                          <TextDiff reference={item(s)?.reference ?? null} output={s.output} />
                        </td>
                        <td>
                          <For each={s.tags}>{(t) => <span class="tag">{t}</span>}</For>
                        </td>
                      </tr>
                      <Show when={expanded()}>
                        <tr class="item-detail">
                          <td colSpan={6}>
                            <div class="grid-2">
                              <div>
                                <h3>Input</h3>
                                <p class="input-text">{item(s)?.input ?? "—"}</p>
                                <h3>Reference</h3>
                                <pre class="diff">{item(s)?.reference ?? "—"}</pre>
                                <h3>Output</h3>
                                <pre class="diff">{s.output ?? "— (no output)"}</pre>
                                <Show when={s.error}>
                                  <p class="errored">
                                    {s.error?.type}: {s.error?.message}
                                  </p>
                                </Show>
                              </div>
                              <div>
                                <h3>Grades</h3>
                                <table>
                                  <tbody>
                                    <For each={Object.entries(s.grades)}>
                                      {([name, g]) => (
                                        <tr>
                                          <td>{name}</td>
                                          <td class="num">{score(g.score, 2)}</td>
                                          <td>
                                            <StatusBadge status={g.error ? "errored" : g.passed ? "passed" : "failed"} />
                                          </td>
                                          <td class="muted" style={{ "white-space": "normal" }}>
                                            {g.error ? `${g.error.type}: ${g.error.message}` : (g.reason ?? "")}
                                          </td>
                                        </tr>
                                      )}
                                    </For>
                                  </tbody>
                                </table>
                              </div>
                            </div>
                          </td>
                        </tr>
                      </Show>
                    </>
                  );
                }}
              </For>
            </tbody>
          </table>
        </div>
        <div class="pager">
          <button type="button" disabled={page() === 0} onClick={() => setQuery({ page: page() - 1 || null })}>
            ‹ Previous
          </button>
          <span class="muted">
            page {page() + 1} of {pages()}
          </span>
          <button type="button" disabled={page() + 1 >= pages()} onClick={() => setQuery({ page: page() + 1 })}>
            Next ›
          </button>
          <Show when={search() && (samples.data()?.total ?? 0) > SEARCH_LIMIT}>
            <span class="muted">search covers the first {SEARCH_LIMIT} items of this filter</span>
          </Show>
        </div>
      </Show>
    </div>
  );
}
