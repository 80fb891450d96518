import type { IncomingMessage } from "node:http";
import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import { IMAGE_LIMITS, imageBytesProblem } from "@tunelab/formats";
import { useAgent } from "request-filtering-agent";

export interface FetchImageOptions {
  /** Per image, for the whole response (default 30 s). */
  timeoutMs?: number;
  /** Default: OpenAI's 10 MB per image. */
  maxBytes?: number;
  /**
   * Public addresses only (what the API server does, so an upload cannot make it reach the machine's own or its
   * network's services): loopback, private, link-local and reserved addresses are refused when the connection is
   * made (after DNS, so a name resolving to one is refused too), redirects included. The CLI fetches what its user's
   * file names, wherever it is.
   */
  publicOnly?: boolean;
}

export type FetchedBytes = { ok: true; bytes: Uint8Array; mimeType: string } | { ok: false; reason: string };

export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;

/**
 * GETs one image: a 2xx answer within the time limit (following up to 5 redirects), a Content-Type of an accepted
 * image type, at most 10 MB (read no further), and bytes that are that image under OpenAI's rules. Never throws: a
 * failure is a reason in words.
 */
export async function fetchImage(url: string, options: FetchImageOptions = {}): Promise<FetchedBytes> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? IMAGE_LIMITS.maxBytes;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    let response = await get(url, signal, options.publicOnly ?? false);
    for (let hops = 0; isRedirect(response.statusCode) && response.headers.location; hops++) {
      response.resume();
      if (hops === MAX_REDIRECTS) return { ok: false, reason: `more than ${MAX_REDIRECTS} redirects` };
      const next = new URL(response.headers.location, url);
      if (next.protocol !== "http:" && next.protocol !== "https:") return { ok: false, reason: `redirected to ${next.protocol} URL` };
      url = next.toString();
      response = await get(url, signal, options.publicOnly ?? false);
    }
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) {
      response.resume();
      return { ok: false, reason: `HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ""}` };
    }
    const mimeType = (response.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    const accepted = mimeType === "image/jpg" ? "image/jpeg" : mimeType;
    if (!IMAGE_LIMITS.mimeTypes.includes(accepted)) {
      response.destroy();
      return { ok: false, reason: `Content-Type is ${mimeType || "missing"}, not JPEG, PNG or WEBP` };
    }
    const declared = Number(response.headers["content-length"] ?? Number.NaN);
    if (declared > maxBytes) {
      response.destroy();
      return { ok: false, reason: tooLarge(declared, maxBytes) };
    }
    const bytes = await readAtMost(response, maxBytes);
    if (!bytes) return { ok: false, reason: tooLarge(undefined, maxBytes) };
    const problem = imageBytesProblem(bytes, accepted);
    return problem ? { ok: false, reason: problem } : { ok: true, bytes, mimeType: accepted };
  } catch (error) {
    if (signal.aborted) return { ok: false, reason: `no complete answer within ${timeoutMs / 1000} s` };
    return { ok: false, reason: describe(error) };
  }
}

function isRedirect(status: number | undefined): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** One GET; with `publicOnly`, through an agent that refuses non-public addresses at connect time. */
function get(url: string, signal: AbortSignal, publicOnly: boolean): Promise<IncomingMessage> {
  const https = url.startsWith("https:");
  return new Promise((resolve, reject) => {
    const request = (https ? httpsGet : httpGet)(
      url,
      {
        signal,
        headers: { accept: IMAGE_LIMITS.mimeTypes.join(", ") },
        ...(publicOnly ? { agent: useAgent(url) } : {}),
      },
      resolve,
    );
    request.on("error", reject);
  });
}

/** The body, or undefined once it passes `maxBytes` (the rest is not read). */
async function readAtMost(response: IncomingMessage, maxBytes: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      response.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function tooLarge(bytes: number | undefined, maxBytes: number): string {
  const limit = `${(maxBytes / 1048576).toFixed(0)} MB`;
  return bytes === undefined ? `image is over the ${limit} limit` : `image is ${(bytes / 1048576).toFixed(1)} MB; the limit is ${limit}`;
}

/** fetch's "fetch failed" says nothing: name the cause (ENOTFOUND, ECONNREFUSED, ...). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  if (cause?.code)
    return `${error.message} (${cause.code}${cause.message && !cause.message.includes(cause.code) ? `: ${cause.message}` : ""})`;
  return cause?.message ? `${error.message}: ${cause.message}` : error.message;
}
