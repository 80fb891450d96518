import type { GateResult } from "@tunelab/core";
import { formatP } from "../output.ts";

const signed = (n: number | null | undefined) => (n === null || n === undefined ? "–" : `${n >= 0 ? "+" : ""}${n.toFixed(3)}`);

/**
 * Markdown's punctuation that could format text, and the characters HTML would read as markup (output is data). An
 * underscore stays: inside a word (snake_case keys, http_error) it never emphasises.
 */
const MARKUP = /[\\`*~[\]<>&|]/g;
const ENTITIES: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;" };
/** Control characters (a terminal's colour escapes, NUL) are written as visible escapes such as `\u001b`. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it replaces
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * A table cell of text from a model, a test item or an error: at most `n` characters, on one line (a carriage return
 * ends a Markdown line as a newline does), shown as written: pipes, emphasis and HTML escaped, never rendered.
 */
const cell = (s: string | null, n: number) =>
  (s ?? "")
    .slice(0, n)
    .replace(/\r\n|\r|\n/g, " ")
    .replace(MARKUP, (c) => ENTITIES[c] ?? `\\${c}`)
    .replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** A summary fit for a pull-request comment. */
export function renderMarkdown(gate: GateResult): string {
  const icon = gate.passed ? "✅" : "❌";
  const lines = [
    `### ${icon} tunelab eval: \`${gate.run.model}\``,
    "",
    `**${gate.primaryMetric}**: ${gate.score?.toFixed(3) ?? "n/a"}${gate.run.primary.interval ? ` (95% CI ${gate.run.primary.interval.low.toFixed(3)}–${gate.run.primary.interval.high.toFixed(3)})` : ""} · ${gate.run.resultCounts.passed}/${gate.run.resultCounts.total} items passed, ${gate.run.resultCounts.errored} errored`,
    "",
    "| gate | result | detail |",
    "| --- | --- | --- |",
    ...gate.checks.map(
      (c) => `| ${c.gate} | ${c.passed ? (c.skipped ? "skipped" : "pass") : "**FAIL**"} | ${c.detail.replace(/\|/g, "\\|")} |`,
    ),
  ];
  if (gate.run.trials > 1)
    lines.splice(
      3,
      0,
      "",
      `${gate.run.trials} trials per item: counts are per trial; the score is the mean of item means with a two-level bootstrap interval (items, then trials)${gate.flaky ? `; ${gate.flaky.count} item(s) flaky on ${gate.primaryMetric}` : ""}.`,
    );
  if (gate.errors.count > 0) {
    lines.push(
      "",
      `**${gate.errors.count} errored item(s)**${gate.errors.count > gate.errors.first.length ? `, the first ${gate.errors.first.length}` : ""}:`,
      "",
    );
    lines.push("| item | reason |", "| --- | --- |");
    for (const e of gate.errors.first) lines.push(`| ${e.itemId} | ${cell(e.reason, 200)} |`);
  }
  if (gate.comparison) {
    lines.push(
      "",
      `Compared with **${gate.baseline?.label}** (\`${gate.baseline?.runId}\`):`,
      "",
      "| grader | baseline | this run | Δ | 95% CI | p |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const [name, g] of Object.entries(gate.comparison.graders)) {
      lines.push(
        `| ${cell(name, 80)} | ${g.meanA?.toFixed(3) ?? "–"} | ${g.meanB?.toFixed(3) ?? "–"} | ${signed(g.delta.mean)} | ${g.delta.ci ? `${signed(g.delta.ci.low)}..${signed(g.delta.ci.high)}` : "–"} | ${formatP(g.delta.pValue)} |`,
      );
    }
    const regressed = gate.comparison.regressed;
    if (regressed.length) {
      lines.push(
        "",
        `<details><summary>${regressed.length} regressed item(s)</summary>`,
        "",
        "| item | input | reference | baseline | this run |",
        "| --- | --- | --- | --- | --- |",
      );
      for (const item of regressed.slice(0, 50)) {
        lines.push(
          `| ${item.itemId} | ${cell(item.input, 80)} | ${cell(item.reference, 80)} | ${cell(item.outputA, 80)} | ${cell(item.outputB, 80)} |`,
        );
      }
      lines.push("", "</details>");
    }
  }
  return `${lines.join("\n")}\n`;
}
