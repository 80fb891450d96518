import type { ComparedItem, Comparison } from "@tunelab/core";
import { color, formatP, table } from "../output.ts";

const signed = (n: number | null | undefined, digits = 3) =>
  n === null || n === undefined ? "-" : `${n >= 0 ? "+" : ""}${n.toFixed(digits)}`;

export function renderComparison(c: Comparison, shown: number): string {
  const rows = Object.entries(c.graders).map(([name, g]) => {
    const delta = g.delta.mean ?? 0;
    const paint = g.delta.pValue !== null && g.delta.pValue < 0.05 ? (delta < 0 ? color.red : color.green) : (s: string) => s;
    return [
      name === c.primaryMetric ? color.bold(`${name} *`) : name,
      g.meanA?.toFixed(3) ?? "-",
      g.meanB?.toFixed(3) ?? "-",
      paint(signed(g.delta.mean)),
      g.delta.ci ? `[${signed(g.delta.ci.low)}, ${signed(g.delta.ci.high)}]` : "-",
      formatP(g.delta.pValue),
      formatP(g.mcnemar.pValue),
      `${g.regressed.length}/${g.improved.length}`,
    ];
  });
  const parts = [
    `${color.bold("A")} ${c.a.label}${method(c.a.method)} ${color.dim(c.a.runId)}   vs   ${color.bold("B")} ${c.b.label}${method(c.b.method)} ${color.dim(c.b.runId)}`,
    table(["grader", "A", "B", "Δ (B−A)", "95% CI", "p (paired)", "p (McNemar)", "regressed/improved"], rows),
  ];
  const show = (v: unknown) => (v === null || v === undefined ? "–" : String(v));
  if (c.hyperparameters.length) parts.push(`setup: ${c.hyperparameters.map((h) => `${h.key} ${show(h.a)} → ${show(h.b)}`).join(", ")}`);
  if (c.dataset)
    parts.push(`data: ${c.dataset.a ?? "(none)"} → ${c.dataset.b ?? "(none)"}: +${c.dataset.added} −${c.dataset.removed} examples`);
  const on = c.primaryMetric ? ` on ${c.primaryMetric}` : "";
  parts.push(byTag(c));
  parts.push(items(`regressed${on} (passed in A, fails in B)`, c.regressed, shown, color.red));
  parts.push(items(`improved${on} (failed in A, passes in B)`, c.improved, shown, color.green));
  parts.push(items(`both failed${on} (fails in A and in B)`, c.bothFailed, shown, color.yellow));
  return parts.join("\n");
}

/** Per tag on the primary metric: pairs, both means, the paired delta with its interval and p-value. */
function byTag(c: Comparison): string {
  if (!c.primaryMetric) return color.dim("per tag: no primary metric shared by the two runs");
  if (c.byTag.length === 0) return color.dim(`per tag on ${c.primaryMetric}: no test item has tags (add "tags" to the test split's lines)`);
  const rows = c.byTag.map((t) => [
    t.tag,
    t.n,
    t.meanA?.toFixed(3) ?? "-",
    t.meanB?.toFixed(3) ?? "-",
    signed(t.delta.mean),
    t.delta.ci ? `[${signed(t.delta.ci.low)}, ${signed(t.delta.ci.high)}]` : "-",
    formatP(t.delta.pValue),
    `${t.regressed}/${t.improved}`,
    t.bothFailed,
  ]);
  return `${color.bold(`per tag on ${c.primaryMetric}`)}\n${table(["tag", "n", "A", "B", "Δ (B−A)", "95% CI", "p (paired)", "regressed/improved", "both failed"], rows)}`;
}

function items(title: string, list: ComparedItem[], shown: number, paint: (s: string) => string): string {
  if (list.length === 0) return color.dim(`${title}: none`);
  const lines = list
    .slice(0, shown)
    .map(
      (i) =>
        `  ${paint(`#${i.itemId}`)} ${clip(i.input, 70)}\n     reference ${clip(i.reference ?? "", 60)}\n     A         ${clip(i.outputA ?? "(no output)", 60)}\n     B         ${clip(i.outputB ?? "(no output)", 60)}`,
    );
  const more = list.length > shown ? color.dim(`\n  … ${list.length - shown} more (--items N or --json)`) : "";
  return `${paint(`${title}: ${list.length}`)}\n${lines.join("\n")}${more}`;
}

function clip(text: string, n: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}

/** ` (dpo)` after a label; nothing for supervised experiments and standalone runs. */
function method(m: Comparison["a"]["method"]): string {
  return m === null || m === "supervised" ? "" : color.dim(` (${m === "none" ? "baseline" : m})`);
}
