import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SerialQueue } from "@tunelab/core";
import { type ExportDtype, type ExportFormat, exportTunedModelOffThread } from "@tunelab/engine";
import { pack as tarPack } from "tar-stream";

const BLOCK = 512;

export interface ExportTar {
  /** The archive as a byte stream; the temporary export is removed once it ends, fails or is cancelled. */
  body: ReadableStream<Uint8Array>;
  /**
   * Exact size of the archive (ustar: a 512-byte header per entry, data padded to 512 bytes, two zero blocks); null
   * when a long name needs a pax header.
   */
  bytes: number | null;
  fileName: string;
}

/** A file-system-safe name: `ft:tiny-qwen2:tunelab::abc` → `ft-tiny-qwen2-tunelab-abc`. */
export const safeName = (text: string) =>
  text
    .replace(/[^a-zA-Z0-9._-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");

/**
 * The server's exports, prepared one at a time: each holds a model's weights in memory (4 bytes a parameter while
 * merging: gigabytes for a billion parameters), so downloads asked for together wait their turn rather than add up.
 */
const exports = new SerialQueue();

/** Downloads being prepared or waiting for their turn. */
export const pendingExports = () => exports.size;

/**
 * Writes the export to a temporary directory, then streams it as a .tar whose one folder is `NAME-FORMAT/` (what
 * `tar -xf` gives back is what `tunelab models export -o NAME-FORMAT` writes).
 */
export async function exportAsTar(options: {
  modelDir: string;
  tunedModel: string;
  format: ExportFormat;
  dtype?: ExportDtype;
  /** The download's request: when its client goes, an export still waiting is dropped and one under way is stopped. */
  signal?: AbortSignal;
}): Promise<ExportTar> {
  const folder = `${safeName(options.tunedModel)}-${options.format}`;
  const tmp = mkdtempSync(join(tmpdir(), "tunelab-export-"));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  let files: Array<{ name: string; path: string; size: number }>;
  try {
    const outDir = join(tmp, folder);
    // in a worker thread: loading, merging and writing a model's weights would block the server for seconds to minutes
    const run = options.signal ? { signal: options.signal } : {};
    const result = await exports.run(
      () =>
        exportTunedModelOffThread(
          {
            modelDir: options.modelDir,
            format: options.format,
            outDir,
            name: options.tunedModel,
            ...(options.dtype ? { dtype: options.dtype } : {}),
          },
          run,
        ),
      options.signal,
    );
    files = result.files.map((f) => ({ name: `${folder}/${f}`, path: join(outDir, f), size: statSync(join(outDir, f)).size }));
  } catch (error) {
    cleanup();
    throw error;
  }

  const archive = tarPack();
  const mtime = new Date();
  let cancelled = false;
  void (async () => {
    try {
      archive.entry({ name: `${folder}/`, type: "directory", mode: 0o755, mtime });
      for (const file of files) {
        let settle: (error?: Error | null) => void = () => {};
        const written = new Promise<void>((resolve, reject) => {
          settle = (error) => (error ? reject(error) : resolve());
        });
        const entry = archive.entry({ name: file.name, size: file.size, mode: 0o644, mtime }, (error) => settle(error));
        for await (const chunk of createReadStream(file.path)) {
          if (entry.write(chunk as Buffer)) continue;
          // wait for room, unless the download was cancelled (the entry then closes without draining)
          await new Promise<void>((resolve) => {
            entry.once("drain", () => resolve());
            entry.once("close", () => resolve());
          });
          if (cancelled) throw new Error("export download cancelled");
        }
        entry.end(undefined); // streamx types the argument as required; there is nothing more to write
        await written;
      }
      archive.finalize();
    } catch (error) {
      archive.destroy(error as Error);
    }
  })();

  const chunks = archive[Symbol.asyncIterator]();
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    cleanup();
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) {
          finish();
          controller.close();
        } else controller.enqueue(new Uint8Array(next.value as Buffer));
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    cancel() {
      cancelled = true;
      archive.destroy();
      finish();
    },
  });
  const short = files.every((f) => Buffer.byteLength(f.name) < 100);
  const bytes = !short ? null : BLOCK + files.reduce((n, f) => n + BLOCK + Math.ceil(f.size / BLOCK) * BLOCK, 0) + 2 * BLOCK;
  return { body, bytes, fileName: `${folder}.tar` };
}
