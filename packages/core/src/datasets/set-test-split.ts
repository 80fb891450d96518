import { TunelabError } from "@tunelab/base";
import type { DataSource, Encoding, ValidationReport } from "@tunelab/formats";
import { runsOffThread, StatsCollector, validateSource } from "@tunelab/formats";
import { parseProjectName } from "../projects/project.repository.ts";
import type { Workspace } from "../storage/workspace.ts";
import { latestVersion } from "./dataset.repository.ts";
import { type DatasetVersion, TEST_SPLIT_NAME } from "./dataset.schema.ts";
import type { FetchImageOptions } from "./images/fetch-image.ts";
import { RemoteImageRefs } from "./images/image-refs.ts";
import { importImages } from "./images/import-images.ts";
import { importDatasetHere, parseDatasetName } from "./import-dataset.ts";
import type { ImportResult } from "./import-result.schema.ts";
import { trainingVersionLeakage, withTrainingLeakage } from "./leakage/training-leakage.ts";
import { isTestExample } from "./split-assign.ts";
import type { SplitResult } from "./split-result.schema.ts";
import { storeVersion } from "./store-version.ts";
import { discardContent, VersionWriter } from "./version-writer.ts";
import { runDatasetTask } from "./worker/run-task.ts";

export interface SplitOptions {
  project: string;
  fileName: string;
  /** Carve this fraction of the file as the test split; without it the whole file is the test split. */
  testFraction?: number;
  seed?: number;
  /** Where the rest of a carved file goes (default `train`). */
  trainDataset?: string;
  message?: string;
  encoding?: Encoding;
  /** Who sets it (recorded on the versions). */
  createdBy?: string;
  /** Fetching the file's http(s) images (time limit per image). */
  imageFetch?: FetchImageOptions;
}

/** The file as text, as bytes (checked to be UTF-8) or as a path (streamed line by line). */
export type SplitInput = SplitOptions & DataSource;

/** Sets the project's frozen test split (`test@N`), from a file or carved deterministically from one (a large file in a worker thread). */
export async function setTestSplit(ws: Workspace, input: SplitInput): Promise<SplitResult> {
  checkArguments(input);
  if (runsOffThread(input)) return runDatasetTask({ kind: "split", home: ws.home, database: ws.database, input });
  return setTestSplitHere(ws, input);
}

/** `setTestSplit` on this thread: one pass over the file, the test items and the rest each streamed to a file. */
export async function setTestSplitHere(ws: Workspace, input: SplitInput): Promise<SplitResult> {
  const { project, fraction, trainName } = checkArguments(input);
  const seed = input.seed ?? 0;
  const encoding = input.encoding === undefined ? {} : { encoding: input.encoding };
  const test = new VersionWriter(ws.blobs);
  const testStats = new StatsCollector();
  // every http(s) image of the file is fetched once, before anything is stored: the test split's and the rest's
  const allImages = new RemoteImageRefs();
  const testImages = new RemoteImageRefs();
  const rest = fraction === undefined ? undefined : new VersionWriter(ws.blobs);
  const discardAll = () => {
    test.discard();
    rest?.discard();
  };
  let validated: ReturnType<typeof validateSource>;
  try {
    validated = validateSource(input, { fileName: input.fileName, minExamples: 1, itemFields: true, ...encoding }, (example) => {
      if (!rest || fraction === undefined || isTestExample(example.inputHash, fraction, seed)) {
        test.add(example);
        testStats.add(example.counts);
        testImages.add(example);
      } else rest.add(example);
      allImages.add(example);
    });
  } catch (error) {
    discardAll();
    throw error;
  }
  if (validated.report.errors > 0) {
    discardAll();
    return { status: "invalid", report: validated.report };
  }
  if (test.count === 0) {
    discardAll();
    throw new TunelabError(
      "invalid_argument",
      `--test-fraction ${fraction} of ${validated.report.examples} examples selects none; raise the fraction`,
    );
  }

  const images = await importImages(ws.blobs, allImages.list, validated.report, input.imageFetch);
  if (!images.ok) {
    discardAll();
    return { status: "invalid", report: images.report };
  }

  const { too_few_examples: tooFew = 0, ...issueCounts } = validated.report.issueCounts;
  const report: ValidationReport = {
    ...validated.report,
    issues: validated.report.issues.filter((i) => i.code !== "too_few_examples"),
    issueCounts,
    warnings: validated.report.warnings - tooFew,
    examples: test.count,
    stats: testStats.stats(validated.report.stats.encoding, validated.report.stats.contextLimit),
  };
  const restContent = rest?.finish();
  try {
    const stored = await storeVersion(ws, {
      project,
      dataset: TEST_SPLIT_NAME,
      role: "test",
      format: validated.format,
      content: test.finish(),
      report,
      message: input.message ?? (fraction === undefined ? `from ${input.fileName}` : `${fraction} of ${input.fileName}, seed ${seed}`),
      source: input.fileName,
      createdBy: input.createdBy,
      images: images.images.filter((image) => testImages.has(image.url)),
    }).catch(async (error: unknown) => {
      await images.undo();
      throw error;
    });
    if (!stored.created) await refuseEarlierSplit(ws, stored.version, input.fileName);
    // training versions stored before this split keep its items (versions are immutable): say which, and where
    const trainingLeakage = await trainingVersionLeakage(ws, project, stored.version);
    const checked = withTrainingLeakage(report, trainingLeakage, stored.version.ref);
    let train: ImportResult | undefined;
    if (restContent && trainName !== undefined) {
      const fetched = new Map(images.images.map((image) => [image.url, image]));
      train = await importDatasetHere(
        ws,
        {
          project,
          dataset: trainName,
          path: restContent.file,
          fileName: input.fileName,
          message: input.message ?? `rest of ${input.fileName} after the ${stored.version.ref} split`,
          ...encoding,
          ...(input.createdBy === undefined ? {} : { createdBy: input.createdBy }),
          ...(input.imageFetch === undefined ? {} : { imageFetch: input.imageFetch }),
        },
        fetched,
      );
    }
    return { status: stored.created ? "created" : "unchanged", test: stored.version, report: checked, train, trainingLeakage };
  } finally {
    if (restContent) discardContent(restContent);
  }
}

/**
 * The file is an earlier split (`test@1` while `test@2` is current): the current split is the latest version, and
 * versions are immutable, so it cannot become current again. Refused, rather than answered "unchanged: already test@1"
 * while every experiment goes on being scored on `test@2`.
 */
async function refuseEarlierSplit(ws: Workspace, version: DatasetVersion, fileName: string): Promise<void> {
  const current = await latestVersion(ws.db, version.datasetId);
  if (!current || current.id === version.id) return;
  throw new TunelabError(
    "conflict",
    `${fileName} holds the same items as ${version.ref}, an earlier test split; the current split is ${current.ref} and stays so. ` +
      `A test split only moves forward (scores on ${version.ref} are kept, not ranked with ${current.ref}'s); to score on these items again, add or change an item and set the file again.`,
  );
}

function checkArguments(input: SplitInput): { project: string; fraction: number | undefined; trainName: string | undefined } {
  const project = parseProjectName(input.project);
  const fraction = input.testFraction;
  if (fraction !== undefined && !(fraction > 0 && fraction < 1)) {
    throw new TunelabError("invalid_argument", `--test-fraction must be between 0 and 1 (exclusive), got ${fraction}`);
  }
  const trainName = fraction === undefined ? undefined : parseDatasetName(input.trainDataset ?? "train");
  return { project, fraction, trainName };
}
