import { api, read } from "../../api/client.ts";
import { ConfirmAction } from "./ConfirmAction.tsx";
import "./start.css";

/**
 * Cancels a queued or running experiment, after a confirm step (the confirm button takes the focus; Escape or "Keep
 * running" backs out). The page's live events then show it cancelled; `onDone` refetches in case they lag.
 */
export function CancelButton(props: { id: string; name: string; onDone: () => void }) {
  return (
    <ConfirmAction
      class="cancel-experiment"
      label="Cancel…"
      testId="cancel-experiment"
      confirmTestId="confirm-cancel"
      legend={`Cancel ${props.name}?`}
      message={<span>Stop {props.name}? Its training job is cancelled and it cannot be resumed.</span>}
      confirmLabel="Yes, cancel it"
      busyLabel="Cancelling…"
      backLabel="Keep running"
      action={async () => {
        await read(api.experiments[":id"].cancel.$post({ param: { id: props.id } }));
      }}
      onDone={props.onDone}
    />
  );
}
