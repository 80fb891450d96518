/**
 * One downloader per blob at a time, across processes sharing a cache (two `tunelab models add` of
 * the same model, or the CLI and a server): both would append to the same `.incomplete` file.
 * The lock is a file created exclusively beside huggingface_hub's own lock folder
 * (`<cache>/.locks/models--ORG--NAME/<etag>.tunelab.lock`; Python's fcntl locks cannot be taken
 * from Node, and its lock files outlive their holders, so they are not shared). It holds the
 * holder's pid and host; the holder touches it every few seconds. A waiter takes it over when the
 * holder is gone: a dead pid on this host, or no touch for a minute.
 */

import { mkdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const TOUCH_EVERY_MS = 5_000;
const STALE_AFTER_MS = 60_000;
const POLL_MS = 200;

/** Runs `work` holding the lock at `path`, waiting while another live holder has it. */
export async function withBlobLock<T>(path: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const me = JSON.stringify({ pid: process.pid, host: hostname() });
  for (;;) {
    signal?.throwIfAborted();
    try {
      await writeFile(path, me, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (await isStale(path)) await rm(path, { force: true });
    else await sleep(POLL_MS, undefined, signal ? { signal } : {});
  }
  const touch = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, TOUCH_EVERY_MS);
  touch.unref();
  try {
    return await work();
  } finally {
    clearInterval(touch);
    await rm(path, { force: true });
  }
}

async function isStale(path: string): Promise<boolean> {
  const [text, info] = await Promise.all([readFile(path, "utf8").catch(() => undefined), stat(path).catch(() => undefined)]);
  if (text === undefined || info === undefined) return false; // released meanwhile: just try again
  if (Date.now() - info.mtimeMs > STALE_AFTER_MS) return true;
  let holder: { pid?: unknown; host?: unknown };
  try {
    holder = JSON.parse(text) as typeof holder;
  } catch {
    return false; // being written right now
  }
  if (holder.host !== hostname() || typeof holder.pid !== "number") return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
