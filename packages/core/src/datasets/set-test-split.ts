import { TunelabError } from "../errors.ts";
import { parseProjectName } from "../projects/project.repository.ts";
import type { Workspace } from "../storage/workspace.ts";
import { canonicalJsonl } from "./canonical.ts";
import { type DatasetVersion, TEST_SPLIT_NAME } from "./dataset.schema.ts";
import { type ImportResult, importDataset, parseDatasetName } from "./import-dataset.ts";
import { isTestExample } from "./split-assign.ts";
import { datasetStats } from "./stats/dataset-stats.ts";
import type { Encoding } from "./stats/tokenizer.ts";
import { storeVersion } from "./store-version.ts";
import type { ValidationReport } from "./validation/report.ts";
import { validateJsonl } from "./validation/validate-file.ts";

export interface SplitInput {
  project: string;
  text: string;
  fileName: string;
  /** Carve this fraction of the file as the test split; without it the whole file is the test split. */
  testFraction?: number;
  seed?: number;
  /** Where the rest of a carved file goes (default `train`). */
  trainDataset?: string;
  message?: string;
  encoding?: Encoding;
}

export type SplitResult =
  | { status: "invalid"; report: ValidationReport }
  | { status: "created" | "unchanged"; test: DatasetVersion; report: ValidationReport; train: ImportResult | undefined };

/** Sets the project's frozen test split (`test@N`), from a file or carved deterministically from one. */
export async function setTestSplit(ws: Workspace, input: SplitInput): Promise<SplitResult> {
  const project = parseProjectName(input.project);
  const fraction = input.testFraction;
  if (fraction !== undefined && !(fraction > 0 && fraction < 1)) {
    throw new TunelabError("invalid_argument", `--test-fraction must be between 0 and 1 (exclusive), got ${fraction}`);
  }
  const trainName = fraction === undefined ? undefined : parseDatasetName(input.trainDataset ?? "train");
  const validated = validateJsonl(input.text, {
    fileName: input.fileName,
    minExamples: 1,
    ...(input.encoding === undefined ? {} : { encoding: input.encoding }),
  });
  if (validated.report.errors > 0) return { status: "invalid", report: validated.report };

  const seed = input.seed ?? 0;
  const testExamples =
    fraction === undefined ? validated.examples : validated.examples.filter((e) => isTestExample(e.inputHash, fraction, seed));
  if (testExamples.length === 0) {
    throw new TunelabError(
      "invalid_argument",
      `--test-fraction ${fraction} of ${validated.examples.length} examples selects none; raise the fraction`,
    );
  }
  const report: ValidationReport = {
    ...validated.report,
    issues: validated.report.issues.filter((i) => i.code !== "too_few_examples"),
    examples: testExamples.length,
    stats: datasetStats(
      testExamples.map((e) => e.counts),
      validated.report.stats.encoding,
      validated.report.stats.contextLimit,
    ),
  };
  report.warnings = report.issues.length - report.errors;
  const stored = await storeVersion(ws, {
    project,
    dataset: TEST_SPLIT_NAME,
    role: "test",
    format: validated.format,
    examples: testExamples,
    report,
    message: input.message ?? (fraction === undefined ? `from ${input.fileName}` : `${fraction} of ${input.fileName}, seed ${seed}`),
    source: input.fileName,
  });

  let train: ImportResult | undefined;
  if (trainName !== undefined) {
    const testLines = new Set(testExamples.map((e) => e.line));
    const rest = validated.examples.filter((e) => !testLines.has(e.line));
    train = await importDataset(ws, {
      project,
      dataset: trainName,
      text: canonicalJsonl(rest.map((e) => e.canonical)),
      fileName: input.fileName,
      message: input.message ?? `rest of ${input.fileName} after the ${stored.version.ref} split`,
      ...(input.encoding === undefined ? {} : { encoding: input.encoding }),
    });
  }
  return { status: stored.created ? "created" : "unchanged", test: stored.version, report, train };
}
