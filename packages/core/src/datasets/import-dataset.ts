import { TunelabError } from "../errors.ts";
import { parseProjectName } from "../projects/project.repository.ts";
import { ResourceName } from "../projects/project.schema.ts";
import type { Workspace } from "../storage/workspace.ts";
import { type DatasetVersion, TEST_SPLIT_NAME } from "./dataset.schema.ts";
import { checkLeakage, type LeakageReport } from "./leakage/leakage.ts";
import { datasetStats } from "./stats/dataset-stats.ts";
import type { Encoding } from "./stats/tokenizer.ts";
import { storeVersion } from "./store-version.ts";
import { currentTestSplit } from "./test-split-items.ts";
import type { ValidationIssue } from "./validation/issue.ts";
import type { ValidationReport } from "./validation/report.ts";
import { validateJsonl } from "./validation/validate-file.ts";

export interface ImportInput {
  project: string;
  dataset: string;
  text: string;
  fileName: string;
  message?: string;
  encoding?: Encoding;
  contextLimit?: number;
}

export type ImportResult =
  | { status: "invalid"; report: ValidationReport }
  | {
      status: "created" | "unchanged";
      version: DatasetVersion;
      report: ValidationReport;
      leakage: LeakageReport | undefined;
      projectCreated: boolean;
    };

/**
 * Validates a training file and stores it as the next version of a dataset. A file with any error writes nothing.
 * Examples whose input is a test-split item are excluded (and reported); near duplicates are reported.
 */
export async function importDataset(ws: Workspace, input: ImportInput): Promise<ImportResult> {
  const project = parseProjectName(input.project);
  const dataset = parseDatasetName(input.dataset);
  const validated = validateJsonl(input.text, { fileName: input.fileName, ...options(input) });
  if (validated.report.errors > 0) return { status: "invalid", report: validated.report };

  const test = await currentTestSplit(ws, project);
  const leakage = test && checkLeakage(validated.examples, validated.format, test.items, test.version.format, test.version.ref);
  const leaked = new Set(leakage?.exact.map((l) => l.line));
  const kept = validated.examples.filter((e) => !leaked.has(e.line));
  const report = withLeakage(validated.report, leakage);
  report.stats = datasetStats(
    kept.map((e) => e.counts),
    report.stats.encoding,
    report.stats.contextLimit,
  );
  report.examples = kept.length;

  const stored = await storeVersion(ws, {
    project,
    dataset,
    role: "train",
    format: validated.format,
    examples: kept,
    report,
    message: input.message ?? "",
    source: input.fileName,
  });
  return {
    status: stored.created ? "created" : "unchanged",
    version: stored.version,
    report,
    leakage,
    projectCreated: stored.projectCreated,
  };
}

export function parseDatasetName(name: string): string {
  const parsed = ResourceName.safeParse(name);
  if (!parsed.success) throw new TunelabError("invalid_argument", `invalid dataset name "${name}": ${parsed.error.issues[0]?.message}`);
  if (parsed.data === TEST_SPLIT_NAME) {
    throw new TunelabError("invalid_argument", `"${TEST_SPLIT_NAME}" is the project's test split; set it with \`tunelab split\``);
  }
  return parsed.data;
}

function options(input: { encoding?: Encoding; contextLimit?: number }) {
  return {
    ...(input.encoding === undefined ? {} : { encoding: input.encoding }),
    ...(input.contextLimit === undefined ? {} : { contextLimit: input.contextLimit }),
  };
}

function withLeakage(report: ValidationReport, leakage: LeakageReport | undefined): ValidationReport {
  if (!leakage) return { ...report };
  const issues: ValidationIssue[] = [...report.issues];
  for (const { line, testItem } of leakage.exact) {
    issues.push({
      severity: "warning",
      code: "test_leakage_exact",
      line,
      message: `input is test item ${testItem} of ${leakage.testSplit}; excluded from this version`,
    });
  }
  for (const { line, testItem, similarity } of leakage.near) {
    issues.push({
      severity: "warning",
      code: "test_leakage_near",
      line,
      message: `input is ${(similarity * 100).toFixed(0)}% similar to test item ${testItem} of ${leakage.testSplit}`,
    });
  }
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { ...report, issues, warnings: issues.length - report.errors };
}
