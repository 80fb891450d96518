import { createSignal, type JSX, Show } from "solid-js";

/**
 * A button that asks before it acts (Cancel…, Delete…): the confirm button takes the focus; Escape or the back button
 * returns it to the opener. The action's error (the API's message) is shown under it and `onDone` refetches. On success
 * the confirm step closes and `onDone` runs, unless `onSuccess` (e.g. leaving the page) is given instead.
 */
export function ConfirmAction(props: {
  class: string;
  /** The opener's label and test id, and the confirm button's test id. */
  label: string;
  testId: string;
  confirmTestId: string;
  /** What the confirm step is called (read by screen readers), what it says, and its buttons' labels. */
  legend: string;
  message: JSX.Element;
  confirmLabel: string;
  busyLabel: string;
  backLabel: string;
  action: () => Promise<void>;
  onSuccess?: () => void;
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
  const act = async () => {
    setBusy(true);
    try {
      await props.action();
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
      props.onDone();
      return;
    }
    if (props.onSuccess) {
      props.onSuccess();
      return;
    }
    setAsking(false);
    setBusy(false);
    props.onDone();
  };
  return (
    <div class={props.class}>
      <Show
        when={asking()}
        fallback={
          <button type="button" ref={opener} onClick={ask} aria-haspopup="true" data-testid={props.testId}>
            {props.label}
          </button>
        }
      >
        <fieldset
          class="confirm"
          onKeyDown={(e) => {
            if (e.key === "Escape") back();
          }}
        >
          <legend class="sr-only">{props.legend}</legend>
          {props.message}
          <button
            type="button"
            class="primary"
            ref={confirm}
            disabled={busy()}
            onClick={() => void act()}
            data-testid={props.confirmTestId}
          >
            {busy() ? props.busyLabel : props.confirmLabel}
          </button>
          <button type="button" onClick={back} disabled={busy()}>
            {props.backLabel}
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
