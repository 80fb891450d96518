import type { JSX } from "solid-js";
import { ApiError } from "../api/client.ts";

/** Empty and error states say what happened and what to do next. */
export function Notice(props: { kind?: "empty" | "error" | "info" | "warning"; title: string; children?: JSX.Element }) {
  return (
    <div class={`notice notice-${props.kind ?? "info"}`} role={props.kind === "error" ? "alert" : "status"}>
      <strong>{props.title}</strong>
      {props.children && <div class="notice-body">{props.children}</div>}
    </div>
  );
}

export function ErrorNotice(props: { error: unknown; what: string }) {
  const error = () => props.error;
  const hint = () => {
    const e = error();
    if (e instanceof ApiError) {
      if (e.status === 404) return "Check the link: the name or id may be misspelt, or it was deleted.";
      if (e.status === 401) return "This server needs a token: open it through `tunelab serve` on loopback, or set TUNELAB_TOKEN.";
      if (e.status === 0) return "Start the server with `tunelab serve` and reload this page.";
      if (e.status >= 500) return "The server failed; its log says why. Reload to try again.";
    }
    return "Reload the page to try again.";
  };
  return (
    <Notice kind="error" title={`Could not load ${props.what}`}>
      <p>{(error() as Error)?.message ?? String(error())}</p>
      <p>{hint()}</p>
    </Notice>
  );
}

export function Loading(props: { what: string }) {
  return (
    <p class="loading" aria-busy="true">
      Loading {props.what}…
    </p>
  );
}
