import type { ValidationReport } from "@tunelab/formats";
import { IssueSink } from "@tunelab/formats";
import { findProjectByName } from "../../projects/project.repository.ts";
import type { Workspace } from "../../storage/workspace.ts";
import { listDatasets, listVersions } from "../dataset.repository.ts";
import type { DatasetVersion } from "../dataset.schema.ts";
import { exampleOf, versionImageHashes } from "../test-split-items.ts";
import { loadVersionLines } from "../version-content.ts";
import { LeakageIndex, type TrainingLeakage } from "./leakage.ts";

/**
 * Every training version of a project checked against a test split with the import's leakage check: versions are
 * immutable, so one stored before the split keeps its test items, and experiments on it train on what they are
 * scored on. Only the versions with findings are returned.
 */
export async function trainingVersionLeakage(ws: Workspace, projectName: string, test: DatasetVersion): Promise<TrainingLeakage[]> {
  const project = await findProjectByName(ws.db, projectName);
  if (!project) return [];
  const items = (await loadVersionLines(ws, test)).map((line) => exampleOf(line, test.format));
  const index = new LeakageIndex(items, test.format, test.ref, undefined, await versionImageHashes(ws, test.id));
  const found: TrainingLeakage[] = [];
  for (const dataset of await listDatasets(ws.db, project.id)) {
    if (dataset.role !== "train") continue;
    for (const version of await listVersions(ws.db, dataset.id)) {
      const images = await versionImageHashes(ws, version.id);
      (await loadVersionLines(ws, version)).forEach((line, i) => {
        index.check({ line: i + 1, ...exampleOf(line, version.format) }, version.format, images);
      });
      const { exact, near } = index.take();
      if (exact.length + near.length > 0) found.push({ version: version.ref, examples: version.exampleCount, exact, near });
    }
  }
  return found;
}

const SHOWN_LINES = 5;

/** The report with one `training_leakage` warning per training version that holds test items. */
export function withTrainingLeakage(report: ValidationReport, leaks: ReadonlyArray<TrainingLeakage>, testSplit: string): ValidationReport {
  if (leaks.length === 0) return report;
  const sink = new IssueSink();
  for (const leak of leaks) sink.warning("training_leakage", trainingLeakageMessage(leak, testSplit));
  return {
    ...report,
    issues: [...report.issues, ...sink.issues],
    issueCounts: { ...report.issueCounts, ...sink.countsByCode() },
    warnings: report.warnings + sink.warningCount,
  };
}

function trainingLeakageMessage({ version, examples, exact, near }: TrainingLeakage, testSplit: string): string {
  const parts: string[] = [];
  if (exact.length > 0) parts.push(`${exact.length} of its ${examples} examples are items of ${testSplit} (${lines(exact)})`);
  if (near.length > 0)
    parts.push(`${near.length} ${near.length === 1 ? "is a near duplicate" : "are near duplicates"} of test items (${lines(near)})`);
  const fix =
    exact.length > 0
      ? `; importing its lines again stores a version without the exact ones (\`tunelab data export ${version} -o FILE\`, then \`tunelab data import FILE -d ${version.split("@")[0]}\`)`
      : "";
  return `${version}: ${parts.join("; ")}; experiments on ${version} train on items they are scored on${fix}`;
}

function lines(leaks: ReadonlyArray<{ line: number }>): string {
  const shown = leaks.slice(0, SHOWN_LINES).map((leak) => leak.line);
  return `line${leaks.length === 1 ? "" : "s"} ${shown.join(", ")}${leaks.length > shown.length ? ", …" : ""}`;
}
