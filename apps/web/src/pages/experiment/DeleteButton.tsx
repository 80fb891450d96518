import { createSignal, Show } from "solid-js";
import { api, read } from "../../api/client.ts";
import { navigate } from "../../lib/router.ts";
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
  const [asking, setAsking] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string>();
  let opener: HTMLButtonElement | undefined;
  let confirm: HTMLButtonElement | undefined;
  const ask = () => {
    setError(undefined);
    setAsking(true);
    queueMicrotask(() => confirm?.focus());
  };
  const back = () => {
    setAsking(false);
    queueMicrotask(() => opener?.focus());
  };
  const remove = async () => {
    setBusy(true);
    try {
      await read(api.experiments[":id"].$delete({ param: { id: props.id } }));
      navigate(props.project ? `/projects/${encodeURIComponent(props.project)}` : "/");
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
      props.onDone();
    }
  };
  // a baseline's "tuned model" is its base model
  const stays = () =>
    props.baseline
      ? " A baseline has no tuned model of its own."
      : props.tunedModel
        ? ` Its tuned model ${props.tunedModel} stays with its provider.`
        : " It has no tuned model.";
  return (
    <div class="delete-experiment">
      <Show
        when={asking()}
        fallback={
          <button type="button" ref={opener} onClick={ask} aria-haspopup="true" data-testid="delete-experiment">
            Delete…
          </button>
        }
      >
        <fieldset
          class="confirm"
          onKeyDown={(e) => {
            if (e.key === "Escape") back();
          }}
        >
          <legend class="sr-only">Delete {props.name}?</legend>
          <span data-testid="delete-confirm-text">
            Delete {props.name}? Its training metrics and scores (eval runs) are deleted and it leaves the leaderboard.{stays()}
          </span>
          <button type="button" class="primary" ref={confirm} disabled={busy()} onClick={() => void remove()} data-testid="confirm-delete">
            {busy() ? "Deleting…" : "Yes, delete it"}
          </button>
          <button type="button" onClick={back} disabled={busy()}>
            Keep it
          </button>
        </fieldset>
      </Show>
      <Show when={error()}>
        <p class="field-error" role="alert">
          {error()}
        </p>
      </Show>
    </div>
  );
}
