import type { AppType } from "@tunelab/api";
import { type ClientResponse, hc } from "hono/client";
import type { SuccessStatusCode } from "hono/utils/http-status";
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

/** The body of a call's success responses, as the API's response schemas declare it. */
export type Ok<R> = R extends ClientResponse<infer T, infer S, infer _F> ? (S extends SuccessStatusCode ? T : never) : never;

/** Awaits a client call and returns its JSON body (typed by the route's response schema), or throws an ApiError carrying the server's message. */
export async function read<R extends ClientResponse<unknown>>(call: Promise<R>): Promise<Ok<R>> {
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
  return body as Ok<R>;
}
