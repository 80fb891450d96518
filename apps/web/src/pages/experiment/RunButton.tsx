import { createSignal, Show } from "solid-js";
import { api, read } from "../../api/client.ts";
import "./start.css";

/**
 * Starts an experiment that was created without running (the form's "Create without running", the CLI's `--no-run`),
 * as the CLI's exp run does. The API refuses, with its reason shown here, when the project has nothing to score it on.
 */
export function RunButton(props: { id: string; onDone: () => void }) {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string>();
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await read(api.experiments[":id"].run.$post({ param: { id: props.id } }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
      props.onDone();
    }
  };
  return (
    <div class="run-experiment">
      <button type="button" class="primary" disabled={busy()} onClick={() => void run()} data-testid="run-experiment">
        {busy() ? "Starting…" : "Run now"}
      </button>
      <Show when={error()}>
        <p class="field-error" role="alert">
          {error()}
        </p>
      </Show>
    </div>
  );
}
