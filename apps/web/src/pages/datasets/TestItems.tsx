import { For, Show } from "solid-js";
import { api, read } from "../../api/client.ts";
import { ErrorNotice, Notice } from "../../components/Notice.tsx";
import { clip } from "../../lib/clip.ts";
import { contentText } from "../../lib/content-text.ts";
import { load } from "../../lib/load.ts";
import { query, setQuery } from "../../lib/router.ts";

const PAGE = 25;

/** The test split's items, a page at a time, with a search: what every experiment is scored on. */
export function TestItems(props: { project: string; version: number }) {
  const page = () => Math.max(0, Number(query("page")) || 0);
  const items = load(
    () => ({ project: props.project, version: props.version, page: page(), q: query("q").trim() }),
    (k) =>
      read(
        api.projects[":project"]["test-split"].items.$get({
          param: { project: k.project },
          query: { version: String(k.version), offset: String(k.page * PAGE), limit: String(PAGE), ...(k.q ? { q: k.q } : {}) },
        }),
      ),
  );
  const pages = () => Math.max(1, Math.ceil((items.data()?.total ?? 0) / PAGE));
  return (
    <div class="card" data-testid="test-items">
      <div class="card-head">
        <h2>Items</h2>
        <span class="muted" data-testid="test-item-count">
          {items.data() ? `${items.data()?.total} item(s)` : ""}
          {items.loading() ? " · loading…" : ""}
        </span>
      </div>
      <form class="filters" aria-label="search items" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input
            type="search"
            name="q"
            placeholder="text in the question, reference or tags"
            value={query("q")}
            onInput={(e) => setQuery({ q: e.currentTarget.value, page: null })}
          />
        </label>
      </form>
      <Show when={items.error()}>
        <ErrorNotice error={items.error()} what="the test items" />
      </Show>
      <Show
        when={(items.data()?.data.length ?? 0) > 0 || items.loading()}
        fallback={
          <Notice kind="empty" title="No item matches">
            <p>Try other words, or clear the search.</p>
          </Notice>
        }
      >
        <div class="table-wrap">
          <table class="items">
            <thead>
              <tr>
                <th scope="col" class="num">
                  id
                </th>
                <th scope="col">input (last user message)</th>
                <th scope="col">reference (item.reference)</th>
                <th scope="col">tags</th>
              </tr>
            </thead>
            <tbody>
              <For each={items.data()?.data ?? []}>
                {(item) => {
                  const input = () => contentText(item.input.messages.findLast((m) => m.role === "user")?.content);
                  return (
                    <tr data-item={item.id}>
                      <td class="num">{item.id}</td>
                      <td title={input()}>{clip(input(), 200)}</td>
                      <td class="output">{item.reference ?? "—"}</td>
                      <td>
                        <For each={item.tags}>{(t) => <span class="tag">{t}</span>}</For>
                      </td>
                    </tr>
                  );
                }}
              </For>
            </tbody>
          </table>
        </div>
        <div class="pager">
          <button type="button" disabled={page() === 0} onClick={() => setQuery({ page: page() - 1 || null }, { push: true })}>
            ‹ Previous
          </button>
          <span class="muted">
            page {page() + 1} of {pages()}
          </span>
          <button type="button" disabled={page() + 1 >= pages()} onClick={() => setQuery({ page: page() + 1 }, { push: true })}>
            Next ›
          </button>
        </div>
      </Show>
    </div>
  );
}
