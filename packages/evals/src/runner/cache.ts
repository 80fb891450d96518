import { createHash } from "node:crypto";
import type { Completion } from "./completion.ts";

/**
 * Stores completions of deterministic requests (temperature 0 or a seed), keyed by `completionCacheKey`.
 * Any store works (memory, SQLite, files); `get` returns `undefined` on a miss.
 */
export interface CompletionCache {
  get(key: string): Promise<Completion | undefined> | Completion | undefined;
  set(key: string, completion: Completion): Promise<void> | void;
}

/**
 * sha256 of the canonical JSON (sorted keys) of the request body: model, messages, tools and every sampling
 * parameter, so any change to one of them is a different key.
 */
export function completionCacheKey(body: Readonly<Record<string, unknown>>): string {
  return createHash("sha256")
    .update(`chat.completions/v1\n${canonicalJson(body)}`)
    .digest("hex");
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((entry) => canonicalJson(entry ?? null)).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** An in-memory cache (for tests and single-process runs). */
export class MemoryCompletionCache implements CompletionCache {
  readonly entries = new Map<string, Completion>();
  get(key: string): Completion | undefined {
    return this.entries.get(key);
  }
  set(key: string, completion: Completion): void {
    this.entries.set(key, completion);
  }
}
