/**
 * One file from the Hub's documented route `GET {endpoint}/{repo}/resolve/{commit}/{path}` into
 * `blobs/<etag>`, resumable and verified:
 * - bytes go to `blobs/<etag>.incomplete` (huggingface_hub's name, so either tool resumes the other's
 *   partial file); a new attempt asks for the rest with `Range: bytes=<size>-`;
 * - redirects are followed by hand: the Hub sends LFS files to a CDN with a pre-signed URL, and the
 *   token goes to the Hub's origin only (a CDN must never see it, and S3 refuses a second credential);
 * - network failures, 408/429 and 5xx are retried with backoff, each retry resuming where the file is;
 * - the finished file must have the listed size and checksum, or it is deleted and refused.
 * Only then is it renamed to `blobs/<etag>`.
 */
import { open, rename, rm, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { retryAfterMs, TunelabError } from "@tunelab/base";
import { describeChecksum, fileChecksum } from "./checksum.ts";
import { type HubConnection, hubHeaders, unreachable } from "./hub-api.ts";
import { hubHttpError, isTransientStatus, readHubFailure } from "./hub-errors.ts";
import type { RemoteFile } from "./model-files.ts";

export interface BlobDownload {
  connection: HubConnection;
  repo: string;
  commit: string;
  file: RemoteFile;
  /** `blobs/<etag>` and its `.incomplete` sibling. */
  blob: string;
  partial: string;
  /** Further attempts after a failed one (each resumes). */
  retries: number;
  /** First wait between attempts; doubled each time (at most 30 s), or the server's Retry-After. */
  retryDelayMs: number;
  /** Called as bytes of this file arrive, with how many of them are on disk. */
  onBytes: (bytes: number) => void;
}

const MAX_REDIRECTS = 10;

/** `{endpoint}/{repo}/resolve/{commit}/{path}`, as huggingface_hub's `hf_hub_url` builds it. */
export function resolveUrl(endpoint: string, repo: string, commit: string, path: string): string {
  return `${endpoint}/${repo}/resolve/${encodeURIComponent(commit)}/${path.split("/").map(encodeURIComponent).join("/")}`;
}

/** A failure worth another attempt: the next one resumes from the bytes on disk. */
class TransientFailure extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
    readonly original: unknown,
  ) {
    super(message);
  }
}

export async function downloadBlob(job: BlobDownload): Promise<void> {
  const { file } = job;
  for (let attempt = 0; ; attempt++) {
    let onDisk = await sizeOf(job.partial);
    if (onDisk > file.size) {
      await rm(job.partial, { force: true });
      onDisk = 0;
    }
    if (onDisk < file.size) {
      try {
        await fetchRest(job, onDisk);
      } catch (error) {
        if (!(error instanceof TransientFailure) || job.connection.signal?.aborted) throw error;
        const have = await sizeOf(job.partial);
        if (attempt >= job.retries) {
          throw new TunelabError(
            "io_error",
            `download of ${file.path} of ${job.connection.errors.where} was interrupted at ${have} of ${file.size} bytes (${error.message}); ` +
              "run the same command again to resume from there",
            { cause: error.original, details: { file: file.path, bytes: have, totalBytes: file.size, partial: job.partial } },
          );
        }
        await sleep(error.retryAfterMs ?? Math.min(job.retryDelayMs * 2 ** attempt, 30_000), undefined, { signal: job.connection.signal });
        continue;
      }
    }
    const size = await sizeOf(job.partial);
    if (size < file.size) {
      if (attempt >= job.retries) throw shortFile(job, size);
      continue;
    }
    await verify(job, size);
    await rename(job.partial, job.blob);
    return;
  }
}

async function verify(job: BlobDownload, size: number): Promise<void> {
  const { file } = job;
  const refuse = async (why: string): Promise<never> => {
    await rm(job.partial, { force: true });
    throw new TunelabError(
      "io_error",
      `${file.path} of ${job.connection.errors.where} failed verification: ${why}; the download was deleted and nothing was registered (run again to download it afresh)`,
      { details: { file: file.path, expected: describeChecksum(file.checksum) } },
    );
  };
  if (size !== file.size) return refuse(`${size} bytes arrived, the Hub lists ${file.size}`);
  const actual = await fileChecksum(job.partial, size, file.checksum.kind);
  if (actual !== file.checksum.hex) return refuse(`checksum mismatch: expected ${describeChecksum(file.checksum)}, got ${actual}`);
}

/** GETs the bytes from `offset` on and appends them to the partial file. */
async function fetchRest(job: BlobDownload, offset: number): Promise<void> {
  const response = await getFollowingRedirects(job, resolveUrl(job.connection.endpoint, job.repo, job.commit, job.file.path), offset);
  let start = offset;
  if (response.status === 200) {
    start = 0; // the server ignored Range: take the whole body
  } else if (response.status === 206) {
    const range = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
    if (!range || Number(range[1]) !== offset) {
      await response.body?.cancel();
      await rm(job.partial, { force: true });
      throw new TransientFailure(
        `the server answered Range bytes=${offset}- with Content-Range "${response.headers.get("content-range")}"`,
        undefined,
        undefined,
      );
    }
  } else if (response.status === 416) {
    await response.body?.cancel();
    await rm(job.partial, { force: true });
    throw new TransientFailure(`the server refused Range bytes=${offset}- (416)`, undefined, undefined);
  } else {
    const failure = await readHubFailure(response);
    if (isTransientStatus(failure.status)) {
      throw new TransientFailure(
        `the server answered ${failure.status}`,
        serverDelayMs(response),
        hubHttpError(failure, { ...job.connection.errors, file: job.file.path }),
      );
    }
    throw hubHttpError(failure, { ...job.connection.errors, file: job.file.path });
  }
  await appendBody(job, response, start);
}

async function appendBody(job: BlobDownload, response: Response, start: number): Promise<void> {
  const handle = await open(job.partial, start === 0 ? "w" : "a");
  let written = start;
  try {
    if (!response.body) throw new TransientFailure("the response had no body", undefined, undefined);
    for await (const chunk of response.body) {
      await handle.write(chunk);
      written += chunk.byteLength;
      job.onBytes(written);
      if (written > job.file.size) break;
    }
  } catch (error) {
    if (error instanceof TransientFailure || job.connection.signal?.aborted) throw error;
    throw new TransientFailure(`connection lost: ${messageOf(error)}`, undefined, error);
  } finally {
    await handle.close();
  }
}

async function getFollowingRedirects(job: BlobDownload, first: string, offset: number): Promise<Response> {
  let url = first;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let response: Response;
    try {
      response = await fetch(url, {
        redirect: "manual",
        // identity: byte ranges and checksums are of the file itself, never of a compressed form
        headers: hubHeaders(job.connection, url, { "accept-encoding": "identity", ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) }),
        ...(job.connection.signal ? { signal: job.connection.signal } : {}),
      });
    } catch (error) {
      if (job.connection.signal?.aborted) throw error;
      throw new TransientFailure(unreachable(job.connection, error).message, undefined, error);
    }
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || location === null) return response;
    await response.body?.cancel();
    url = new URL(location, url).toString();
  }
  throw new TunelabError(
    "io_error",
    `${job.file.path} of ${job.connection.errors.where}: more than ${MAX_REDIRECTS} redirects from ${first}`,
  );
}

function shortFile(job: BlobDownload, size: number): TunelabError {
  return new TunelabError(
    "io_error",
    `download of ${job.file.path} of ${job.connection.errors.where} ended at ${size} of ${job.file.size} bytes; run the same command again to resume from there`,
    { details: { file: job.file.path, bytes: size, totalBytes: job.file.size, partial: job.partial } },
  );
}

/** The server's Retry-After (at most a minute), when it gave one. */
function serverDelayMs(response: Response): number | undefined {
  const ms = retryAfterMs(response.headers);
  return ms !== undefined && ms > 0 ? Math.min(ms, 60_000) : undefined;
}

const sizeOf = async (path: string): Promise<number> => (await stat(path).catch(() => undefined))?.size ?? 0;
const messageOf = (error: unknown): string =>
  error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
