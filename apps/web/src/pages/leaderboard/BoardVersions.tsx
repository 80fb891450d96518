import { For, Show } from "solid-js";
import { api, read } from "../../api/client.ts";
import type { Leaderboard } from "../../api/types.ts";
import { load } from "../../lib/load.ts";
import { currentUrl, query, setQuery } from "../../lib/router.ts";

/** What a board is on: its test split and grader set, and the project's current ones (as the API answers). */
type BoardOn = Pick<Leaderboard, "testSplit" | "currentTestSplit" | "graderSet" | "currentGraderSet">;

/** One of a board's two versions: the query parameter that picks it, and how the page names it. */
interface Kind {
  param: "split" | "graders";
  label: string;
  board: (on: BoardOn) => string | null;
  current: (on: BoardOn) => string | null;
}
const SPLIT: Kind = { param: "split", label: "Test split", board: (on) => on.testSplit, current: (on) => on.currentTestSplit };
const GRADERS: Kind = { param: "graders", label: "Graders", board: (on) => on.graderSet, current: (on) => on.currentGraderSet };

/** This page's link without `?param=` (and the page): the current version's board, with the same filters and sort. */
function currentBoardHref(param: Kind["param"]): string {
  const next = new URL(currentUrl().href);
  next.searchParams.delete(param);
  next.searchParams.delete("page");
  return next.pathname + next.search;
}

/** A selector of the project's versions (the newest first, the current one marked), kept in the URL as `?param=`. */
function VersionSelect(props: { kind: Kind; on: BoardOn; refs: string[] }) {
  return (
    <Show when={props.refs.length > 1 || query(props.kind.param)}>
      <label>
        {props.kind.label}
        <select
          name={props.kind.param}
          onChange={(e) => {
            const ref = e.currentTarget.value;
            setQuery({ [props.kind.param]: ref === props.kind.current(props.on) ? null : ref, page: null });
          }}
        >
          <For each={props.refs}>
            {(ref) => (
              // selected per option: the versions load after the board, so a value set on the select would find no
              // option yet
              <option value={ref} selected={ref === props.kind.board(props.on)}>
                {ref === props.kind.current(props.on) ? `${ref} (current)` : ref}
              </option>
            )}
          </For>
        </select>
      </label>
    </Show>
  );
}

/**
 * The leaderboard's test split and grader set selectors: an older version's board is a link (`?split=test@1`,
 * `?graders=graders@1`), shown only when the project has more than one version (or the link asks for one).
 */
export function BoardVersionSelects(props: { project: string; on: BoardOn }) {
  const versions = load(
    () => ({ project: props.project }),
    async (k) => {
      const [splits, graders] = await Promise.all([
        read(api.projects[":project"]["test-split"].$get({ param: { project: k.project } })),
        read(api.projects[":project"].graders.$get({ param: { project: k.project } })),
      ]);
      return {
        splits: splits.data.map((v) => v.ref).reverse(),
        graders: [...graders.versions].sort((a, b) => b.version - a.version).map((v) => v.ref),
      };
    },
  );
  return (
    <>
      <VersionSelect kind={SPLIT} on={props.on} refs={versions.data()?.splits ?? []} />
      <VersionSelect kind={GRADERS} on={props.on} refs={versions.data()?.graders ?? []} />
    </>
  );
}

/** Says the board is an older test split's or grader set's, with a link back to the current one's. */
export function OlderBoardNotes(props: { on: BoardOn }) {
  return (
    <>
      <Show when={props.on.testSplit !== props.on.currentTestSplit}>
        <p class="note" data-testid="older-split">
          This is the board of {props.on.testSplit}, an older test split: it ranks the experiments scored on it. The current split is{" "}
          {props.on.currentTestSplit ?? "none"}: <a href={currentBoardHref("split")}>see its board</a>.
        </p>
      </Show>
      <Show when={props.on.graderSet !== props.on.currentGraderSet}>
        <p class="note" data-testid="older-graders">
          This is the board of {props.on.graderSet}, an older grader set: it ranks the experiments scored with it. The current grader set is{" "}
          {props.on.currentGraderSet ?? "none"}: <a href={currentBoardHref("graders")}>see its board</a>.
        </p>
      </Show>
    </>
  );
}
