import { hostname } from "node:os";

/** Whether process `pid` of this machine runs (as any user). */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // it runs, as another user
  }
}

/** The tag of this process's temporary files and folders, `HOST-PID`: another machine's on a shared mount are told apart. */
export function processTag(): string {
  return `${hostname()}-${process.pid}`;
}

/**
 * Whether a temporary name's `HOST-PID` tag (as `processTag` writes it; `PID` alone in names written before the host
 * was recorded) belongs to a process of this machine that no longer runs: what a killed process left behind. Names of
 * other machines and of live processes are never abandoned.
 */
export function abandonedBy(host: string | undefined, pid: number): boolean {
  if (host !== undefined && host !== hostname()) return false;
  return pid !== process.pid && !processIsRunning(pid);
}
