import { type ValidatedFile, validateJsonl } from "@tunelab/core";
import { type FileRow, findFile, readFileContent } from "../files/file.repository.ts";
import type { EngineStore } from "../storage/store.ts";
import type { ChatExample } from "../trainer/types.ts";
import type { JobError } from "./job.schema.ts";

export const MIN_EXAMPLES = 10;

export type FileCheck = { ok: true; examples: ChatExample[] } | { ok: false; error: JobError; atCreation: boolean };

/** Files are immutable, so a file's check is kept for the job's next stages (a few files at most). */
const CACHE_SIZE = 4;
const cache = new WeakMap<EngineStore, Map<string, FileCheck>>();

function remember(store: EngineStore, key: string, check: FileCheck): FileCheck {
  const entries = cache.get(store) ?? new Map<string, FileCheck>();
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
 * cannot train (DPO, RFT, images) is refused at job creation; ordinary data errors fail the job while validating.
 */
export async function checkTrainingFile(
  store: EngineStore,
  fileId: string,
  param: "training_file" | "validation_file",
): Promise<FileCheck> {
  const file = await findFile(store, fileId);
  if (!file) return { ok: false, atCreation: true, error: { code: "invalid_file", message: `No such File object: ${fileId}`, param } };
  const key = `${file.id}:${param}`;
  const known = cache.get(store)?.get(key);
  if (known) return remember(store, key, known);
  return remember(store, key, validate(store, file, param));
}

function validate(store: EngineStore, file: FileRow, param: "training_file" | "validation_file"): FileCheck {
  const text = readFileContent(store, file).toString("utf8");
  const validated = validateJsonl(text, { fileName: file.filename, minExamples: param === "training_file" ? MIN_EXAMPLES : 1 });
  const unsupported = unsupportedData(validated, file.filename, param);
  if (unsupported) return { ok: false, atCreation: true, error: unsupported };

  const { report, examples } = validated;
  if (report.errors > 0) {
    const first = report.issues.find((i) => i.severity === "error");
    const where = first?.line ? `line ${first.line}${first.path ? `, ${first.path}` : ""}: ` : "";
    const message = `The ${param.replace("_", " ")} ${file.filename} has ${report.errors} error(s); first at ${where}${first?.message ?? ""} (${first?.code ?? "invalid"}).`;
    return { ok: false, atCreation: false, error: { code: "invalid_training_file", message, param } };
  }
  if (param === "training_file" && examples.length < MIN_EXAMPLES) {
    const message = `Training file has ${examples.length} example(s), but must have at least ${MIN_EXAMPLES} examples.`;
    return { ok: false, atCreation: false, error: { code: "invalid_training_file", message, param } };
  }
  return { ok: true, examples: examples.map((e) => e.value as unknown as ChatExample) };
}

function unsupportedData(validated: ValidatedFile, filename: string, param: string): JobError | undefined {
  if (validated.format !== "supervised") {
    return {
      code: "unsupported_method",
      message: `${filename} holds ${validated.format} data; the local engine trains supervised chat data only.`,
      param,
    };
  }
  const withImage = validated.examples.find((e) => e.counts.images > 0);
  if (withImage) {
    return {
      code: "unsupported_image",
      message: `${filename} line ${withImage.line} has image content; the local engine trains on text only and never drops part of an example.`,
      param,
    };
  }
  return undefined;
}
