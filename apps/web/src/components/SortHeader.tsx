import type { JSX } from "solid-js";

/** A column header that sorts on click or Enter/Space, announcing the order with aria-sort. */
export function SortHeader<C extends string>(props: {
  column: C;
  sort: string;
  order: "asc" | "desc";
  onSort: (column: C) => void;
  children: JSX.Element;
  class?: string | undefined;
  title?: string | undefined;
}) {
  const active = () => props.sort === props.column;
  return (
    <th scope="col" class={props.class} aria-sort={active() ? (props.order === "asc" ? "ascending" : "descending") : "none"}>
      <button type="button" class="sort" data-column={props.column} onClick={() => props.onSort(props.column)} title={props.title}>
        {props.children}
        <span class="sort-mark" aria-hidden="true">
          {active() ? (props.order === "asc" ? "▲" : "▼") : "↕"}
        </span>
      </button>
    </th>
  );
}
