import { IMAGE_LIMITS, imageBytesProblem } from "@tunelab/formats";

export interface FetchImageOptions {
  /** Per image, for the whole response (default 30 s). */
  timeoutMs?: number;
  /** Default: OpenAI's 10 MB per image. */
  maxBytes?: number;
}

export type FetchedBytes = { ok: true; bytes: Uint8Array; mimeType: string } | { ok: false; reason: string };

export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;

/**
 * GETs one image: a 2xx answer within the time limit, a Content-Type of an accepted image type, at most 10 MB (read
 * no further), and bytes that are that image under OpenAI's rules. Never throws: a failure is a reason in words.
 */
export async function fetchImage(url: string, options: FetchImageOptions = {}): Promise<FetchedBytes> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? IMAGE_LIMITS.maxBytes;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { signal, redirect: "follow", headers: { accept: IMAGE_LIMITS.mimeTypes.join(", ") } });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, reason: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}` };
    }
    const mimeType = (response.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    const accepted = mimeType === "image/jpg" ? "image/jpeg" : mimeType;
    if (!IMAGE_LIMITS.mimeTypes.includes(accepted)) {
      await response.body?.cancel();
      return { ok: false, reason: `Content-Type is ${mimeType || "missing"}, not JPEG, PNG or WEBP` };
    }
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > maxBytes) {
      await response.body?.cancel();
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

/** The body, or undefined once it passes `maxBytes` (the rest is not read). */
async function readAtMost(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await response.body.cancel().catch(() => undefined);
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
