import { usePage } from "../lib/page.ts";
import { query, setQuery } from "../lib/router.ts";
import { NewExperimentForm, type StartKind } from "./experiment/NewExperimentForm.tsx";

/** `/projects/P/experiments/new` (`?kind=baseline` for a baseline, `?from=ID` to start from an experiment's settings). */
export default function NewExperiment(props: { project: string }) {
  const kind = (): StartKind => (query("kind") === "baseline" ? "baseline" : "experiment");
  usePage({ title: () => `${kind() === "baseline" ? "Run a baseline" : "New experiment"} · ${props.project}` });
  return (
    <section class="new-experiment">
      <div class="page-head">
        <p class="muted">
          <a href={`/projects/${props.project}`}>{props.project} leaderboard</a> ›
        </p>
        <h1>{kind() === "baseline" ? "Run a baseline" : "New experiment"}</h1>
      </div>
      <NewExperimentForm
        project={props.project}
        kind={kind()}
        from={query("from") || undefined}
        onKind={(k) => setQuery({ kind: k === "baseline" ? k : null })}
      />
    </section>
  );
}
