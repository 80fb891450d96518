import type { DatasetStats, ValidationIssue, ValidationReport } from "@tunelab/core";
import { color, count, formatNumber, table } from "../output.ts";

const SHOWN_ISSUES = 30;

/** A validation report as a person reads it: a verdict, the findings with line and field, then statistics. */
export function renderReport(report: ValidationReport): string {
  const verdict =
    report.errors > 0
      ? color.red(
          `✖ ${report.file}: ${report.errors} error${report.errors === 1 ? "" : "s"}, ${report.warnings} warning${report.warnings === 1 ? "" : "s"} — nothing was written`,
        )
      : color.green(`✔ ${report.file}: valid ${report.format} data, ${report.examples} example${report.examples === 1 ? "" : "s"}`) +
        (report.warnings > 0 ? color.yellow(`, ${report.warnings} warning${report.warnings === 1 ? "" : "s"}`) : "");
  const parts = [verdict];
  if (report.issues.length > 0) parts.push(renderIssues(report.issues, report.issueCounts));
  if (report.examples > 0) parts.push(renderStats(report.stats));
  return parts.join("\n\n");
}

/** The first findings; `counts` (a report's issueCounts) also covers findings the report counted but did not list. */
export function renderIssues(issues: ReadonlyArray<ValidationIssue>, counts?: ValidationReport["issueCounts"]): string {
  const ordered = [...issues].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
  const lines = ordered.slice(0, SHOWN_ISSUES).map((issue) => {
    const where = issue.line === undefined ? "file" : `line ${issue.line}`;
    const tag = issue.severity === "error" ? color.red("error  ") : color.yellow("warning");
    const path = issue.path ? color.dim(` ${issue.path}:`) : "";
    return `  ${where.padEnd(10)} ${tag} ${color.cyan(issue.code)}${path} ${issue.message}`;
  });
  const rest = new Map<string, number>();
  for (const issue of ordered.slice(SHOWN_ISSUES)) rest.set(issue.code, (rest.get(issue.code) ?? 0) + 1);
  for (const [code, total] of Object.entries(counts ?? {})) {
    const listed = ordered.filter((i) => i.code === code).length;
    if (total > listed) rest.set(code, (rest.get(code) ?? 0) + total - listed);
  }
  if (rest.size > 0) {
    const more = [...rest.values()].reduce((a, b) => a + b, 0);
    const summary = [...rest].map(([code, n]) => `${code} ×${n}`).join(", ");
    lines.push(color.dim(`  … and ${more} more (${summary}); --json lists the first 100 of each code`));
  }
  return lines.join("\n");
}

export function renderStats(stats: DatasetStats): string {
  const dist = (d: DatasetStats["tokensPerExample"]) => [d.min, d.mean, d.p5, d.p95, d.max].map((v) => formatNumber(v, 1));
  const rows = table(
    ["per example", "min", "mean", "p5", "p95", "max"],
    [
      ["messages", ...dist(stats.messagesPerExample)],
      ["tokens", ...dist(stats.tokensPerExample)],
      ["assistant tokens", ...dist(stats.assistantTokensPerExample)],
    ],
  );
  const facts = [
    `${count(stats.examples, "example")} · ${formatNumber(stats.tokensPerExample.total)} tokens (${stats.encoding})`,
    `${stats.overContextLimit} over the ${formatNumber(stats.contextLimit)}-token context`,
    // OpenAI's data-preparation figures; the embedded engine's own plan (epochs, batch, cost $0) is `exp create --dry-run`'s
    `on OpenAI: default epochs ${stats.epochs} → about ${formatNumber(stats.estimatedTrainedTokens)} billed training tokens (${formatNumber(stats.billingTokensPerEpoch)} per epoch); other providers and the local engine: exp create --dry-run`,
  ];
  if (stats.images > 0) facts.push(count(stats.images, "image"));
  return `${rows}\n${facts.join("\n")}`;
}
