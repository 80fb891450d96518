import { randomBytes } from "node:crypto";

/** In ASCII order, so ids compare (SQLite's binary collation, JavaScript's `<`) in the order their prefixes were made. */
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const TIME_CHARS = 7; // 62^7 ms reaches the year 2081
const SEQUENCE_CHARS = 3; // 238,328 ids in one millisecond

let lastTime = 0;
let sequence = 0;

function base62(value: number, width: number): string {
  let out = "";
  for (let rest = value, i = 0; i < width; i++, rest = Math.floor(rest / 62)) out = ALPHABET[rest % 62] + out;
  return out;
}

/**
 * OpenAI-style ids: `file-…`, `ftjob-…`, `ftevent-…`, `ftckpt-…`, `chatcmpl-…`, of `length` letters and digits. The
 * first 10 are the time in milliseconds and a count of ids made in that millisecond, so rows of one second (the
 * `created_at` OpenAI's objects carry) ordered by `created_at` then `id` keep the order they were made in: the jobs
 * list, newest first, and the queue, oldest first. The rest are random.
 */
export function openaiId(prefix: string, length = 24): string {
  const now = Date.now();
  if (now > lastTime) {
    lastTime = now;
    sequence = 0;
  } else if (++sequence >= 62 ** SEQUENCE_CHARS) {
    lastTime += 1;
    sequence = 0;
  }
  const randomChars = Math.max(length - TIME_CHARS - SEQUENCE_CHARS, 8);
  let out = base62(lastTime, TIME_CHARS) + base62(sequence, SEQUENCE_CHARS);
  for (const byte of randomBytes(randomChars)) out += ALPHABET[byte % ALPHABET.length];
  return `${prefix}-${out}`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
