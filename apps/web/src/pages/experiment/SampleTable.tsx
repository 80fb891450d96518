import { createMemo, For, Show } from "solid-js";
import { api, read } from "../../api/client.ts";
import type { EvalRun, SampleStatus } from "../../api/types.ts";
import { ErrorNotice, Notice } from "../../components/Notice.tsx";
import { SortHeader } from "../../components/SortHeader.tsx";
import { StatusBadge } from "../../components/Status.tsx";
import { TextDiff } from "../../components/TextDiff.tsx";
import { clip } from "../../lib/clip.ts";
import { score } from "../../lib/format.ts";
import { load } from "../../lib/load.ts";
import { query, setQuery } from "../../lib/router.ts";

/** Items per page: fewer on a phone, where each item is a card. */
const PAGE = typeof matchMedia === "function" && matchMedia("(max-width: 600px)").matches ? 20 : 50;
/** The result filters: every sample status the API answers with (a Record over its own list), and all. */
const STATUS: Record<SampleStatus, true> = { passed: true, failed: true, errored: true };
const STATUSES = ["", ...(Object.keys(STATUS) as SampleStatus[])] as const;
const isStatus = (status: string): status is SampleStatus => Object.hasOwn(STATUS, status);

/**
 * The eval run's items: filter by status and tag, search, sort by result or any grader's score, page; a column per
 * grader; each row opens output vs reference as a diff. On a phone each item is a card, its output always in view.
 */
export function SampleTable(props: { run: EvalRun; project: string; primary: string | undefined; tags: string[] }) {
  const status = (): SampleStatus | "" => {
    const asked = query("status");
    return isStatus(asked) ? asked : "";
  };
  const sort = () => query("isort") || "item";
  const order = (): "asc" | "desc" => (query("iorder") === "desc" ? "desc" : "asc");
  const onSort = (column: string) => {
    const next = sort() === column ? (order() === "asc" ? "desc" : "asc") : "asc";
    setQuery({ isort: column === "item" && next === "asc" ? null : column, iorder: next === "asc" ? null : next, page: null });
  };
  const page = () => Math.max(0, Number(query("page")) || 0);
  const search = () => query("q").trim();
  const samples = load(
    () => ({
      run: props.run.id,
      status: status(),
      tag: query("tag"),
      page: page(),
      q: search(),
      sort: sort(),
      order: order(),
    }),
    (k) =>
      read(
        api["eval-runs"][":id"].samples.$get({
          param: { id: k.run },
          query: {
            ...(k.status ? { status: k.status } : {}),
            ...(k.tag ? { tag: k.tag } : {}),
            // the server searches every sample (id, output, prompt, reference, tags), then pages
            ...(k.q ? { q: k.q } : {}),
            offset: String(k.page * PAGE),
            limit: String(PAGE),
            ...(k.sort !== "item" ? { sort: k.sort.startsWith("g:") ? `grader:${k.sort.slice(2)}` : k.sort } : {}),
            ...(k.order === "desc" ? { order: k.order } : {}),
          },
        }),
      ),
  );
  const total = () => samples.data()?.total ?? 0;
  const shown = () => samples.data()?.data ?? [];
  const pages = () => Math.max(1, Math.ceil(total() / PAGE));
  const open = () => query("item");
  // every grader a column, the primary metric first
  const graders = createMemo(() => {
    const names = Object.keys(props.run.aggregates?.graders ?? {}).sort();
    const primary = props.primary;
    return primary && names.includes(primary) ? [primary, ...names.filter((n) => n !== primary)] : names;
  });
  const columns = () => 5 + graders().length;

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
          <table class="items stack" data-testid="items-table">
            <thead>
              <tr>
                <SortHeader column="item" sort={sort()} order={order()} onSort={onSort} class="num">
                  #
                </SortHeader>
                <SortHeader column="status" sort={sort()} order={order()} onSort={onSort}>
                  result
                </SortHeader>
                <For each={graders()}>
                  {(g) => (
                    <SortHeader column={`g:${g}`} sort={sort()} order={order()} onSort={onSort} class="num" title={`${g}: score (sorts)`}>
                      {g}
                    </SortHeader>
                  )}
                </For>
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
                        <td class="num item-id">
                          <button
                            type="button"
                            class="link"
                            aria-expanded={expanded()}
                            aria-label={`item ${s.itemId} details`}
                            onClick={() => setQuery({ item: expanded() ? null : s.itemId })}
                          >
                            {s.itemId} {expanded() ? "▾" : "▸"}
                          </button>
                          <Show when={props.run.trials > 1}>
                            <span class="muted" title={`trial ${s.trial + 1} of ${props.run.trials}`}>
                              {" "}
                              t{s.trial + 1}
                            </span>
                          </Show>
                        </td>
                        <td class="result">
                          <StatusBadge status={s.status} />
                        </td>
                        <For each={graders()}>
                          {(g) => (
                            <td class="num grade" data-label={g} data-grader={g}>
                              {score(s.grades[g]?.score ?? null, 2)}
                            </td>
                          )}
                        </For>
                        <td class="input" data-label="input" title={s.prompt}>
                          {clip(s.prompt, 140)}
                        </td>
                        <td class="output" data-label="output vs reference">
                          <TextDiff reference={s.reference} output={s.output} />
                        </td>
                        <td class="tags">
                          <For each={s.tags}>{(t) => <span class="tag">{t}</span>}</For>
                        </td>
                      </tr>
                      <Show when={expanded()}>
                        <tr class="item-detail">
                          <td colSpan={columns()}>
                            <div class="grid-2">
                              <div>
                                <h3>Input</h3>
                                <p class="input-text">{s.prompt || "—"}</p>
                                <h3>Reference</h3>
                                <pre class="diff">{s.reference ?? "—"}</pre>
                                <h3>Output</h3>
                                <pre class="diff">{s.output ?? "— (no output)"}</pre>
                                <Show when={s.reasoning}>
                                  {(reasoning) => (
                                    <details class="reasoning" data-testid="reasoning">
                                      <summary>Reasoning (the model's, beside its answer; graders do not see it)</summary>
                                      <pre class="diff">{reasoning()}</pre>
                                    </details>
                                  )}
                                </Show>
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
        </div>
      </Show>
    </div>
  );
}
