import { createSignal, Show } from "solid-js";
import { api, read } from "../../api/client.ts";
import "./start.css";

/**
 * Cancels a queued or running experiment, after a confirm step (the confirm button takes the focus; Escape or "Keep
 * running" backs out). The page's live events then show it cancelled; `onDone` refetches in case they lag.
 */
export function CancelButton(props: { id: string; name: string; onDone: () => void }) {
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
  const cancel = async () => {
    setBusy(true);
    try {
      await read(api.experiments[":id"].cancel.$post({ param: { id: props.id } }));
      setAsking(false);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
      props.onDone();
    }
  };
  return (
    <div class="cancel-experiment">
      <Show
        when={asking()}
        fallback={
          <button type="button" ref={opener} onClick={ask} aria-haspopup="true" data-testid="cancel-experiment">
            Cancel…
          </button>
        }
      >
        <fieldset
          class="confirm"
          onKeyDown={(e) => {
            if (e.key === "Escape") back();
          }}
        >
          <legend class="sr-only">Cancel {props.name}?</legend>
          <span>Stop {props.name}? Its training job is cancelled and it cannot be resumed.</span>
          <button type="button" class="primary" ref={confirm} disabled={busy()} onClick={() => void cancel()} data-testid="confirm-cancel">
            {busy() ? "Cancelling…" : "Yes, cancel it"}
          </button>
          <button type="button" onClick={back} disabled={busy()}>
            Keep running
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
