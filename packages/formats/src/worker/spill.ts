import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Runs work whose file came as bytes with those bytes in a temporary file instead (written off the event loop by the
 * thread pool): handing a worker 25 MB through `workerData` copies them on this thread, a stall as long as a second
 * on a busy machine. The worker streams the file like any other; it is removed afterwards.
 */
export async function withBytesOnDisk<I extends object, T>(
  input: I,
  run: (input: I | (Omit<I, "bytes"> & { path: string })) => Promise<T>,
): Promise<T> {
  if (!("bytes" in input)) return run(input);
  const { bytes, ...rest } = input as I & { bytes: Uint8Array };
  const dir = await mkdtemp(join(tmpdir(), "tunelab-data-"));
  try {
    const path = join(dir, "data.jsonl");
    await writeFile(path, bytes);
    return await run({ ...(rest as Omit<I, "bytes">), path });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
