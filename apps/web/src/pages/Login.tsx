import { createSignal, onMount, Show } from "solid-js";
import { Notice } from "../components/Notice.tsx";
import { usePage } from "../lib/page.ts";
import { query } from "../lib/router.ts";
import { checkSession, safeNext, signIn } from "../lib/session.ts";

const LINK_ERRORS: Record<string, string> = {
  invalid_link: "That sign-in link is not valid, or was used already (each link printed by `tunelab serve` works once).",
};

/** Signing in to a server started with TUNELAB_TOKEN: paste the token, or open the link `tunelab serve` printed. */
export default function Login() {
  usePage({ title: () => "Sign in" });
  const [token, setToken] = createSignal("");
  const [error, setError] = createSignal(LINK_ERRORS[query("error")] ?? "");
  const [busy, setBusy] = createSignal(false);
  const [open, setOpen] = createSignal(false);
  const next = () => safeNext(query("next"));

  onMount(async () => {
    const state = await checkSession().catch(() => undefined);
    if (state && (!state.tokenRequired || state.authenticated)) setOpen(true);
  });

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (!token().trim()) return setError("Paste the token first.");
    setBusy(true);
    setError("");
    const result = await signIn(token()).catch((e: Error) => ({ ok: false as const, message: e.message }));
    setBusy(false);
    if (result.ok) location.assign(next());
    else setError(result.message);
  };

  return (
    <section class="login">
      <h1>Sign in</h1>
      <Show
        when={!open()}
        fallback={
          <Notice title="You are signed in">
            <p>
              This browser can use the server. <a href={next()}>Continue</a>.
            </p>
          </Notice>
        }
      >
        <p class="muted">
          This server was started with <code>TUNELAB_TOKEN</code>. Paste that token, or open the sign-in link <code>tunelab serve</code>{" "}
          printed. The browser keeps an HttpOnly cookie for this server; the page never stores the token.
        </p>
        <form class="card login-form" onSubmit={submit}>
          <label for="token">Token</label>
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="current-password"
            value={token()}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
          <button type="submit" class="primary" disabled={busy()}>
            {busy() ? "Signing in…" : "Sign in"}
          </button>
        </form>
        <Show when={error()}>
          <Notice kind="error" title="Not signed in">
            <p data-testid="login-error">{error()}</p>
          </Notice>
        </Show>
      </Show>
    </section>
  );
}
