import type { AppType } from "@tunelab/api";
import { hc } from "hono/client";
import { goToLogin } from "../lib/session.ts";

/** The typed Hono client for the API that serves this page (`/api/*`). */
export const client = hc<AppType>(typeof location === "undefined" ? "http://127.0.0.1" : location.origin);
export const api = client.api;

/** An API error: `{error: {code, message, details}}` from the server, or a network failure. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The server's `details`: the fields a validation failed on, or a file's validation report (422). */
    readonly details: unknown = null,
  ) {
    super(message);
  }
}

/** Awaits a client call and returns its JSON body as `T`, or throws an ApiError carrying the server's message. */
export async function read<T>(call: Promise<Response>): Promise<T> {
  let response: Response;
  try {
    response = await call;
  } catch (error) {
    throw new ApiError(0, "network", `The API did not answer (${(error as Error).message}). Is \`tunelab serve\` running?`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    // a server started with TUNELAB_TOKEN and a browser not signed in (or signed out): the login page
    if (response.status === 401) goToLogin();
    throw new ApiError(response.status, error?.code ?? "http_error", error?.message ?? `HTTP ${response.status}`, error?.details ?? null);
  }
  return body as T;
}
