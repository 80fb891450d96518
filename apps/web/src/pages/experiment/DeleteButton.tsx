import { api, read } from "../../api/client.ts";
import { navigate } from "../../lib/router.ts";
import { ConfirmAction } from "./ConfirmAction.tsx";
import "./start.css";

/**
 * Deletes a finished (or never-run) experiment with its training metrics and eval runs, after a confirm step (the
 * confirm button takes the focus; Escape or "Keep it" backs out), then opens the project's leaderboard. The tuned
 * model stays with its provider. The API's refusal (still running, or another experiment trains from its tuned model)
 * is shown here; `onDone` then refetches.
 */
export function DeleteButton(props: {
  id: string;
  name: string;
  /** The project's name, for the leaderboard it goes back to ("" before it loaded: the projects page). */
  project: string;
  tunedModel: string | null;
  baseline: boolean;
  onDone: () => void;
}) {
  // a baseline's "tuned model" is its base model
  const stays = () =>
    props.baseline
      ? " A baseline has no tuned model of its own."
      : props.tunedModel
        ? ` Its tuned model ${props.tunedModel} stays with its provider.`
        : " It has no tuned model.";
  return (
    <ConfirmAction
      class="delete-experiment"
      label="Delete…"
      testId="delete-experiment"
      confirmTestId="confirm-delete"
      legend={`Delete ${props.name}?`}
      message={
        <span data-testid="delete-confirm-text">
          Delete {props.name}? Its training metrics and scores (eval runs) are deleted and it leaves the leaderboard.{stays()}
        </span>
      }
      confirmLabel="Yes, delete it"
      busyLabel="Deleting…"
      backLabel="Keep it"
      action={async () => {
        await read(api.experiments[":id"].$delete({ param: { id: props.id } }));
      }}
      onSuccess={() => navigate(props.project ? `/projects/${encodeURIComponent(props.project)}` : "/")}
      onDone={props.onDone}
    />
  );
}
