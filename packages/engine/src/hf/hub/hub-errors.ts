/**
 * The Hub's HTTP failures as TunelabErrors that say what to do. The Hub names the failure in an
 * `X-Error-Code` header (`GatedRepo`, `RepoNotFound`, `RevisionNotFound`, `EntryNotFound`) and explains
 * it in `X-Error-Message` or a JSON `{error}` body; huggingface_hub reads the same headers.
 */
import { TunelabError } from "@tunelab/base";

export interface HubFailure {
  status: number;
  url: string;
  /** `X-Error-Code` */
  errorCode: string | undefined;
  /** `X-Error-Message`, the JSON body's `error`, or the start of a text body. */
  serverMessage: string | undefined;
}

export interface HubErrorContext {
  /** What was asked for, e.g. `hf:ORG/NAME@main`. */
  where: string;
  repo: string;
  endpoint: string;
  hasToken: boolean;
  /** The repo file being downloaded, when there is one. */
  file?: string;
}

/** Reads a failed response's status, error code and message (consumes the body). */
export async function readHubFailure(response: Response): Promise<HubFailure> {
  const text = await response.text().catch(() => "");
  let bodyMessage: string | undefined;
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown };
    const value = json.error ?? json.message;
    if (typeof value === "string") bodyMessage = value;
  } catch {
    bodyMessage = text.trim().slice(0, 200) || undefined;
  }
  return {
    status: response.status,
    url: response.url,
    errorCode: response.headers.get("x-error-code") ?? undefined,
    serverMessage: response.headers.get("x-error-message") ?? bodyMessage,
  };
}

export const isTransientStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

export function hubHttpError(failure: HubFailure, ctx: HubErrorContext): TunelabError {
  const { status, errorCode } = failure;
  const said = `the Hub answered ${status}${failure.serverMessage ? ` (${failure.serverMessage})` : ""}`;
  const subject = ctx.file ? `${ctx.file} of ${ctx.where}` : ctx.where;
  const details = { status, url: failure.url, errorCode, ...(ctx.file ? { file: ctx.file } : {}) };
  const page = `${ctx.endpoint}/${ctx.repo}`;
  if (errorCode === "GatedRepo") {
    const fix = ctx.hasToken
      ? `the account of HF_TOKEN has not been granted access: accept the model's conditions at ${page}`
      : `accept the model's conditions at ${page}, then set HF_TOKEN to a read token of that account`;
    return new TunelabError("invalid_argument", `${subject}: ${said}: ${ctx.repo} is a gated model; ${fix}`, { details });
  }
  if (status === 401) {
    const fix = ctx.hasToken
      ? "HF_TOKEN was refused (invalid or expired?), or the repository does not exist"
      : "the repository does not exist, or it is private or gated: set HF_TOKEN to a token with read access";
    return new TunelabError("invalid_argument", `${subject}: ${said}; ${fix}`, { details });
  }
  if (status === 403) {
    return new TunelabError("invalid_argument", `${subject}: ${said}; HF_TOKEN has no read access to ${ctx.repo} (see ${page})`, {
      details,
    });
  }
  if (status === 404) {
    const what =
      errorCode === "RevisionNotFound"
        ? `the revision does not exist in ${ctx.repo}`
        : errorCode === "EntryNotFound"
          ? "the file is not in that revision"
          : `no repository ${ctx.repo} (or no such revision)`;
    return new TunelabError("not_found", `${subject}: ${said}; ${what}`, { details });
  }
  return new TunelabError("io_error", `${subject}: ${said}`, { details });
}
