import { countedWorkerTask, runWorkerTask, workerEntry } from "@tunelab/base";
import type { DatasetFormat } from "./format/format.ts";
import type { DataSource } from "./validation/jsonl-lines.ts";
import type { ValidationReport } from "./validation/report.ts";
import { validateSource } from "./validation/validate-file.ts";
import type { ValidateOptions } from "./validation/validate-options.ts";
import { runsOffThread } from "./worker/off-thread.ts";
import { withBytesOnDisk } from "./worker/spill.ts";

/** A validated file as a trainer needs it: the report and, when it has no error, its examples as canonical JSONL. */
export interface CanonicalFile {
  format: DatasetFormat;
  report: ValidationReport;
  /** One canonical JSON line per valid example, "\n"-terminated, in file order; empty when the file has errors. */
  canonical: Uint8Array;
  /** The first line of the file's format whose example has images. */
  firstLineWithImages?: number;
}

/**
 * Validates a file (OpenAI's rules, strict input) and returns its examples as canonical JSONL bytes: compact, and
 * moved rather than copied out of a worker. A large file is validated in a worker thread, so the caller's event loop
 * keeps running.
 */
export async function validateDataFile(source: DataSource, options: ValidateOptions): Promise<CanonicalFile> {
  if (runsOffThread(source))
    return countedWorkerTask(() =>
      withBytesOnDisk(source, (onDisk) =>
        runWorkerTask<CanonicalFile>(workerEntry("validate-worker", new URL("./worker/validate-worker.mjs", import.meta.url)), {
          source: onDisk,
          options,
        }),
      ),
    );
  return validateToCanonical(source, options);
}

const CHUNK_CHARS = 1 << 20;

/** `validateDataFile` on this thread. */
export function validateToCanonical(source: DataSource, options: ValidateOptions): CanonicalFile {
  const chunks: Buffer[] = [];
  let pending: string[] = [];
  let pendingChars = 0;
  const imageLines = new Map<DatasetFormat, number>();
  const { format, report } = validateSource(source, options, (example, own) => {
    if (example.counts.images > 0 && !imageLines.has(own)) imageLines.set(own, example.line);
    pending.push(`${example.canonical}\n`);
    pendingChars += example.canonical.length + 1;
    if (pendingChars >= CHUNK_CHARS) {
      chunks.push(Buffer.from(pending.join("")));
      pending = [];
      pendingChars = 0;
    }
  });
  chunks.push(Buffer.from(pending.join("")));
  const canonical = report.errors > 0 ? new Uint8Array(0) : new Uint8Array(Buffer.concat(chunks));
  const imageLine = imageLines.get(format);
  return { format, report, canonical, ...(imageLine === undefined ? {} : { firstLineWithImages: imageLine }) };
}
