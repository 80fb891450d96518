/** Every failure tunelab reports carries one of these codes. */
export const ERROR_CODES = [
  "validation_failed",
  "invalid_argument",
  "not_found",
  "conflict",
  "io_error",
  "internal",
  /** The HTTP API refuses to register or run a grader that runs code (see `tunelab serve --allow-code-graders`). */
  "code_graders_disabled",
  /** The caller's role does not allow the request (see `tunelab users`). */
  "forbidden",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface TunelabErrorOptions {
  cause?: unknown;
  details?: unknown;
}

/** The one error type of tunelab: a literal code, a message that names the thing and the fix, optional details. */
export class TunelabError extends Error {
  override readonly name = "TunelabError";
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: TunelabErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

export function isTunelabError(value: unknown): value is TunelabError {
  return value instanceof TunelabError;
}
