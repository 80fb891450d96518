import { totalmem } from "node:os";

/**
 * The memory this process can use: the machine's, or its container's limit when lower (cgroup `memory.max`, which
 * `os.totalmem()` does not see; Node reports an unlimited container as about 2^64).
 */
export function machineMemoryBytes(): number {
  const limit = process.constrainedMemory?.() ?? 0;
  const total = totalmem();
  return limit > 0 && limit < total ? limit : total;
}

/** Bytes for people: "14.5 GiB", "270 MiB", "232 KiB". */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} bytes` : `${value.toFixed(value < 100 ? 1 : 0)} ${units[unit]}`;
}
