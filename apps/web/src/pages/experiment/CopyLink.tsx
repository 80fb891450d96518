import { Show } from "solid-js";
import type { Experiment } from "../../api/types.ts";
import "./start.css";

/** "New experiment from this one": the new-experiment form filled with this experiment's settings, to change and run. */
export function CopyLink(props: { project: string; experiment: Experiment }) {
  const href = () =>
    `/projects/${props.project}/experiments/new?from=${props.experiment.id}${props.experiment.kind === "baseline" ? "&kind=baseline" : ""}`;
  return (
    <Show when={props.project}>
      <p class="copy-link">
        <a href={href()} data-testid="copy-experiment">
          New {props.experiment.kind === "baseline" ? "baseline" : "experiment"} from this one
        </a>
      </p>
    </Show>
  );
}
