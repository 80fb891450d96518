import { type CanonicalFile, MIN_TRAINING_EXAMPLES, validateDataFile } from "@tunelab/formats";
import { type FileRow, findFile } from "../files/file.repository.ts";
import type { EngineStore } from "../storage/store.ts";
import type { ChatExample, PreferenceExample } from "../trainer/types.ts";
import type { JobError } from "./job.schema.ts";
import { firstRemoteImage } from "./remote-images.ts";

export type TrainingMethod = "supervised" | "dpo";

/** A valid file's examples: chat examples (supervised) or preference pairs (DPO). */
export type FileCheck =
  | { ok: true; examples: ChatExample[]; preferences: PreferenceExample[] }
  | { ok: false; error: JobError; atCreation: boolean };

/** Files are immutable, so a file's check is kept for the job's next stages (a few files at most); a check in flight is shared. */
const CACHE_SIZE = 4;
const cache = new WeakMap<EngineStore, Map<string, Promise<FileCheck>>>();

function remember(store: EngineStore, key: string, check: Promise<FileCheck>): Promise<FileCheck> {
  const entries = cache.get(store) ?? new Map<string, Promise<FileCheck>>();
  cache.set(store, entries);
  entries.delete(key);
  entries.set(key, check);
  for (const oldest of entries.keys()) {
    if (entries.size <= CACHE_SIZE) break;
    entries.delete(oldest);
  }
  return check;
}

/**
 * Validates a training or validation file with core's dataset validation (OpenAI's rules). Data the local engine
 * cannot train (RFT, images in DPO data, images not in data: URLs) is refused at job creation; ordinary data errors
 * fail the job while validating. Images in supervised data train the vision front end (trainer/vision).
 */
export async function checkTrainingFile(
  store: EngineStore,
  fileId: string,
  param: "training_file" | "validation_file",
  method: TrainingMethod = "supervised",
): Promise<FileCheck> {
  const file = await findFile(store, fileId);
  if (!file) return { ok: false, atCreation: true, error: { code: "invalid_file", message: `No such File object: ${fileId}`, param } };
  const key = `${file.id}:${param}:${method}`;
  const known = cache.get(store)?.get(key);
  if (known) return remember(store, key, known);
  const check = validate(store, file, param, method);
  remember(store, key, check);
  check.catch(() => {
    if (cache.get(store)?.get(key) === check) cache.get(store)?.delete(key);
  });
  return check;
}

/** Validation, tokenising and reading run in a worker thread for a large file, so the server keeps answering. */
async function validate(
  store: EngineStore,
  file: FileRow,
  param: "training_file" | "validation_file",
  method: TrainingMethod,
): Promise<FileCheck> {
  const validated = await validateDataFile(
    { path: store.blobs.pathOf(file.sha256) },
    { fileName: file.filename, minExamples: param === "training_file" ? MIN_TRAINING_EXAMPLES : 1 },
  );
  const unsupported = unsupportedData(validated, file.filename, param, method);
  if (unsupported) return { ok: false, atCreation: true, error: unsupported };

  const { report } = validated;
  if (report.errors > 0) {
    const first = report.issues.find((i) => i.severity === "error");
    const where = first?.line ? `line ${first.line}${first.path ? `, ${first.path}` : ""}: ` : "";
    const message = `The ${param.replace("_", " ")} ${file.filename} has ${report.errors} error(s); first at ${where}${first?.message ?? ""} (${first?.code ?? "invalid"}).`;
    return { ok: false, atCreation: false, error: { code: "invalid_training_file", message, param } };
  }
  if (param === "training_file" && report.examples < MIN_TRAINING_EXAMPLES) {
    const message = `Training file has ${report.examples} example(s), but must have at least ${MIN_TRAINING_EXAMPLES} examples.`;
    return { ok: false, atCreation: false, error: { code: "invalid_training_file", message, param } };
  }
  const rows = await parseExamples(validated.canonical);
  const remote = method === "supervised" ? firstRemoteImage(rows) : undefined;
  if (remote) {
    const message = `${file.filename} line ${remote.line} has an image at ${remote.url.slice(0, 80)}; the local engine reads images from data: URLs only (tunelab data import fetches http(s) images and stores them with the dataset version).`;
    return { ok: false, atCreation: true, error: { code: "unsupported_image", message, param } };
  }
  return method === "dpo"
    ? { ok: true, examples: [], preferences: rows as unknown as PreferenceExample[] }
    : { ok: true, examples: rows, preferences: [] };
}

/** Lines parsed between two turns of the event loop, so reading a large file's examples never stalls the server. */
const PARSE_SLICE = 500;

/** The examples of canonical JSONL, parsed a slice at a time. */
async function parseExamples(canonical: Uint8Array): Promise<ChatExample[]> {
  const bytes = Buffer.from(canonical.buffer, canonical.byteOffset, canonical.byteLength);
  const examples: ChatExample[] = [];
  let start = 0;
  while (start < bytes.length) {
    for (let n = 0; n < PARSE_SLICE && start < bytes.length; n++) {
      const end = bytes.indexOf(0x0a, start);
      const stop = end < 0 ? bytes.length : end;
      examples.push(JSON.parse(bytes.toString("utf8", start, stop)) as ChatExample);
      start = stop + 1;
    }
    if (start < bytes.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return examples;
}

function unsupportedData(validated: CanonicalFile, filename: string, param: string, method: TrainingMethod): JobError | undefined {
  const wanted = method === "dpo" ? "preference" : "supervised";
  if (validated.format !== wanted) {
    return {
      code: validated.format === "reinforcement" ? "unsupported_method" : "invalid_training_file",
      message:
        method === "dpo"
          ? `${filename} holds ${validated.format} data; a DPO job needs preference data (input, preferred_output, non_preferred_output on every line).`
          : `${filename} holds ${validated.format} data; a supervised job needs chat examples (messages)${validated.format === "preference" ? `; use method.type "dpo" for preference data` : ""}.`,
      param,
    };
  }
  if (method === "dpo" && validated.firstLineWithImages !== undefined) {
    return {
      code: "unsupported_image",
      message: `${filename} line ${validated.firstLineWithImages} has image content; the local engine trains on images in supervised jobs only (not DPO) and never drops part of an example.`,
      param,
    };
  }
  return undefined;
}
