/**
 * The Hub's JSON API through `@huggingface/hub`: which commit a revision points at (`modelInfo`,
 * `GET /api/models/{repo}/revision/{rev}`) and the files at the repository's root (`listFiles`,
 * `GET /api/models/{repo}/tree/{commit}`, following `Link: rel="next"` pages). The library gets a
 * `fetch` that adds the token (any token format, sent to the Hub's own origin only) and turns
 * failures into TunelabErrors that say what to do.
 */
import { listFiles, modelInfo } from "@huggingface/hub";
import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import { type HubErrorContext, hubHttpError, readHubFailure } from "./hub-errors.ts";
import { TreeEntry } from "./model-files.ts";

export interface HubConnection {
  endpoint: string;
  token: string | undefined;
  signal: AbortSignal | undefined;
  errors: HubErrorContext;
}

/** Headers for a request to `url`: the bearer token only when it goes to the Hub's own origin. */
export function hubHeaders(connection: HubConnection, url: string, extra: Record<string, string> = {}): Record<string, string> {
  const sameOrigin = new URL(url).origin === new URL(connection.endpoint).origin;
  return { ...extra, ...(connection.token && sameOrigin ? { authorization: `Bearer ${connection.token}` } : {}) };
}

/** `fetch` for the library: token added, network failures and HTTP errors reported as TunelabErrors. */
export function hubFetch(connection: HubConnection): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(hubHeaders(connection, url))) headers.set(name, value);
    let response: Response;
    try {
      response = await fetch(input, { ...init, headers, ...(connection.signal ? { signal: connection.signal } : {}) });
    } catch (error) {
      if (connection.signal?.aborted) throw error;
      throw unreachable(connection, error);
    }
    if (!response.ok) throw hubHttpError(await readHubFailure(response), connection.errors);
    return response;
  };
}

export function unreachable(connection: HubConnection, error: unknown): TunelabError {
  const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
  return new TunelabError(
    "io_error",
    `${connection.errors.where}: cannot reach the Hub at ${connection.endpoint} (${cause}); check the network or HF_ENDPOINT`,
    {
      cause: error,
    },
  );
}

const CommitSha = z.string().regex(/^[0-9a-f]{40}$/);

/** The commit hash `revision` points at now. */
export async function resolveCommit(connection: HubConnection, repo: string, revision: string): Promise<string> {
  const info = await modelInfo({
    name: repo,
    revision,
    additionalFields: ["sha"],
    hubUrl: connection.endpoint,
    fetch: hubFetch(connection),
  });
  const sha = CommitSha.safeParse(info.sha);
  if (!sha.success) {
    throw new TunelabError(
      "io_error",
      `${connection.errors.where}: the Hub's model info has no usable commit sha (got ${JSON.stringify(info.sha)})`,
    );
  }
  return sha.data;
}

/** The entries at the root of the repository at `commit` (weights and configs live there). */
export async function listRootFiles(connection: HubConnection, repo: string, commit: string): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  const listing = listFiles({
    repo: { type: "model", name: repo },
    revision: commit,
    recursive: false,
    hubUrl: connection.endpoint,
    fetch: hubFetch(connection),
  });
  for await (const item of listing) {
    const entry = TreeEntry.safeParse(item);
    if (!entry.success) {
      const issue = entry.error.issues[0];
      throw new TunelabError(
        "io_error",
        `${connection.errors.where}: the Hub's file listing has an entry the engine cannot read (${JSON.stringify((item as { path?: unknown }).path)}: field ${issue?.path.join(".")}: ${issue?.message})`,
      );
    }
    entries.push(entry.data);
  }
  return entries;
}
