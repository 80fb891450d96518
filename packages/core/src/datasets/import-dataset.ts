import { TunelabError } from "@tunelab/base";
import type { DataSource, Encoding, ValidationIssue, ValidationReport } from "@tunelab/formats";
import { IssueSink, MIN_TRAINING_EXAMPLES, runsOffThread, StatsCollector, validateSource } from "@tunelab/formats";
import { parseProjectName } from "../projects/project.repository.ts";
import { ResourceName } from "../projects/project.schema.ts";
import type { Workspace } from "../storage/workspace.ts";
import { TEST_SPLIT_NAME } from "./dataset.schema.ts";
import type { FetchImageOptions } from "./images/fetch-image.ts";
import type { StoredImage } from "./images/fetch-images.ts";
import { RemoteImageRefs } from "./images/image-refs.ts";
import { importImages } from "./images/import-images.ts";
import type { ImportResult } from "./import-result.schema.ts";
import { LeakageIndex, type LeakageReport } from "./leakage/leakage.ts";
import { storeVersion } from "./store-version.ts";
import { currentTestSplitItems } from "./test-split-items.ts";
import { VersionWriter } from "./version-writer.ts";
import { runDatasetTask } from "./worker/run-task.ts";

export interface ImportOptions {
  project: string;
  dataset: string;
  fileName: string;
  message?: string;
  encoding?: Encoding;
  contextLimit?: number;
  /** Who imports it: a user's name, or the OS user of a CLI command (recorded on the version). */
  createdBy?: string;
  /** Fetching the file's http(s) images (time limit per image). */
  imageFetch?: FetchImageOptions;
}

/** The file as text, as bytes (checked to be UTF-8) or as a path (streamed line by line). */
export type ImportInput = ImportOptions & DataSource;

/**
 * Validates a training file and stores it as the next version of a dataset. A file with any error writes nothing.
 * Examples whose input is a test-split item are excluded (and reported); near duplicates are reported. A large file
 * is validated, tokenised, checked for leakage and stored in a worker thread, so a server keeps answering meanwhile.
 */
export async function importDataset(ws: Workspace, input: ImportInput): Promise<ImportResult> {
  parseProjectName(input.project);
  parseDatasetName(input.dataset);
  if (runsOffThread(input)) return runDatasetTask({ kind: "import", home: ws.home, database: ws.database, input });
  return importDatasetHere(ws, input);
}

/**
 * `importDataset` on this thread: one pass over the file, each kept example streamed to the version's blob; its
 * http(s) images fetched then (or taken from `fetched`, when a test split fetched the whole file's).
 */
export async function importDatasetHere(
  ws: Workspace,
  input: ImportInput,
  fetched?: ReadonlyMap<string, StoredImage>,
): Promise<ImportResult> {
  const project = parseProjectName(input.project);
  const dataset = parseDatasetName(input.dataset);
  const test = await currentTestSplitItems(ws, project);
  const leakage = test && new LeakageIndex(test.items, test.version.format, test.version.ref, undefined, test.images);
  // the file's http(s) images are fetched after this pass: by content only where a split fetched them already
  const fetchedHashes = new Map([...(fetched?.values() ?? [])].map((image) => [image.url, image.contentHash]));
  const writer = new VersionWriter(ws.blobs);
  const kept = new StatsCollector();
  const remoteImages = new RemoteImageRefs();
  let validated: ReturnType<typeof validateSource>;
  try {
    validated = validateSource(input, { fileName: input.fileName, ...options(input) }, (example, format) => {
      if (leakage?.check(example, format, fetchedHashes) === "exact") return;
      writer.add(example);
      kept.add(example.counts);
      remoteImages.add(example);
    });
  } catch (error) {
    writer.discard();
    throw error;
  }
  if (validated.report.errors > 0) {
    writer.discard();
    return { status: "invalid", report: validated.report };
  }
  const leaks = leakage?.report();
  if (leaks && leaks.exact.length > 0 && kept.count < MIN_TRAINING_EXAMPLES) {
    writer.discard();
    return { status: "invalid", report: tooFewAfterLeakage(withLeakage(validated.report, leaks), kept, leaks) };
  }

  const images = await importImages(ws.blobs, remoteImages.list, validated.report, input.imageFetch, fetched);
  if (!images.ok) {
    writer.discard();
    return { status: "invalid", report: images.report };
  }

  const report = keptCounts(withLeakage(validated.report, leaks), kept);
  const stored = await storeVersion(ws, {
    project,
    dataset,
    role: "train",
    format: validated.format,
    content: writer.finish(),
    report,
    message: input.message ?? "",
    source: input.fileName,
    createdBy: input.createdBy,
    images: images.images,
  }).catch(async (error: unknown) => {
    await images.undo();
    throw error;
  });
  return {
    status: stored.created ? "created" : "unchanged",
    version: stored.version,
    report,
    leakage: leaks,
    projectCreated: stored.projectCreated,
  };
}

export function parseDatasetName(name: string): string {
  const parsed = ResourceName.safeParse(name);
  if (!parsed.success) throw new TunelabError("invalid_argument", `invalid dataset name "${name}": ${parsed.error.issues[0]?.message}`);
  if (parsed.data === TEST_SPLIT_NAME) {
    throw new TunelabError(
      "invalid_argument",
      `"${TEST_SPLIT_NAME}" is the project's test split; set it with \`tunelab split FILE --project P\``,
    );
  }
  return parsed.data;
}

function options(input: { encoding?: Encoding; contextLimit?: number }) {
  return {
    ...(input.encoding === undefined ? {} : { encoding: input.encoding }),
    ...(input.contextLimit === undefined ? {} : { contextLimit: input.contextLimit }),
  };
}

/** The report's counts and statistics as stored: the examples kept after excluding test items. */
function keptCounts(report: ValidationReport, kept: StatsCollector): ValidationReport {
  return { ...report, examples: kept.count, stats: kept.stats(report.stats.encoding, report.stats.contextLimit) };
}

/**
 * Too few examples left once the test items are excluded: an error (nothing is stored), in place of the validator's
 * warning that counted the file's examples before the exclusion.
 */
function tooFewAfterLeakage(report: ValidationReport, kept: StatsCollector, leakage: LeakageReport): ValidationReport {
  const { too_few_examples: counted = 0, ...issueCounts } = report.issueCounts;
  const excluded = leakage.exact.length;
  const lines = leakage.exact.slice(0, 5).map((leak) => leak.line);
  const error: ValidationIssue = {
    severity: "error",
    code: "too_few_examples",
    message: `${kept.count} example${kept.count === 1 ? "" : "s"} left after excluding ${excluded} test-split item${excluded === 1 ? "" : "s"} of ${leakage.testSplit} (line${excluded === 1 ? "" : "s"} ${lines.join(", ")}${excluded > lines.length ? ", …" : ""}); a fine-tuning job needs at least ${MIN_TRAINING_EXAMPLES}`,
  };
  return keptCounts(
    {
      ...report,
      issues: [error, ...report.issues.filter((issue) => issue.code !== "too_few_examples")],
      issueCounts: { ...issueCounts, too_few_examples: 1 },
      errors: report.errors + 1,
      warnings: report.warnings - counted,
    },
    kept,
  );
}

/** The report with the leakage findings among its issues (counted all, the first of each code listed). */
function withLeakage(report: ValidationReport, leakage: LeakageReport | undefined): ValidationReport {
  if (!leakage) return { ...report };
  const sink = new IssueSink();
  for (const { line, testItem } of leakage.exact) {
    sink.warning("test_leakage_exact", `input is test item ${testItem} of ${leakage.testSplit}; excluded from this version`, { line });
  }
  for (const { line, testItem, similarity } of leakage.near) {
    sink.warning(
      "test_leakage_near",
      `input is ${(similarity * 100).toFixed(0)}% similar to test item ${testItem} of ${leakage.testSplit}`,
      {
        line,
      },
    );
  }
  const issues = [...report.issues, ...sink.issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return {
    ...report,
    issues,
    issueCounts: { ...report.issueCounts, ...sink.countsByCode() },
    warnings: report.warnings + sink.warningCount,
  };
}
