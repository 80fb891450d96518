import type { SamplePage, SampleView } from "@tunelab/core";
import { color } from "../output.ts";

const RESULT_COLOR = { passed: color.green, failed: color.red, errored: color.yellow } as const;

/** Columns of a sample's fields, aligned after their names. */
const LABEL = 11;

/** A field's text on its own lines, indented under its label, clipped to `max` characters unless `max` is 0. */
function field(name: string, text: string, max: number): string {
  const clipped = max > 0 && text.length > max ? `${text.slice(0, max - 1)}… (${text.length} characters; --full)` : text;
  const lines = clipped.split("\n");
  const pad = " ".repeat(2 + LABEL);
  return `  ${color.dim(name.padEnd(LABEL))}${lines.join(`\n${pad}`)}`;
}

function score(value: number | null | undefined): string {
  return typeof value === "number" ? value.toFixed(2) : "—";
}

/** One sample: its item, result and grades, then input, output, reference, reasoning, and why graders failed it. */
export function renderSample(s: SampleView, trials: number, max: number): string {
  const grades = Object.entries(s.grades)
    .map(([name, g]) => `${name} ${g.error ? color.red("error") : g.passed ? color.green(score(g.score)) : color.red(score(g.score))}`)
    .join(" · ");
  const head = `${color.bold(`item ${s.itemId}`)}${trials > 1 ? ` trial ${s.trial + 1}` : ""} · ${RESULT_COLOR[s.status](s.status)} · ${grades}${
    s.tags.length ? color.dim(` · ${s.tags.join(", ")}`) : ""
  }`;
  const lines = [head, field("input", s.prompt || "—", max), field("output", s.output ?? "(no output)", max)];
  lines.push(field("reference", s.reference ?? "—", max));
  if (s.reasoning) lines.push(field("reasoning", s.reasoning, max));
  if (s.error) lines.push(field("error", `${s.error.type ?? "error"}: ${s.error.message ?? ""}`, max));
  for (const [name, g] of Object.entries(s.grades)) {
    if (g.error) lines.push(field(name, `${g.error.type}: ${g.error.message}`, max));
    else if (!g.passed && g.reason) lines.push(field(name, g.reason, max));
  }
  return lines.join("\n");
}

/** A page of samples under a line saying which run and which of its samples, and how to see the next ones. */
export function renderSamples(
  page: SamplePage,
  about: { runId: string; model: string; label: string; trials: number; filter: string },
  max: number,
): string {
  const first = page.total === 0 ? 0 : page.offset + 1;
  const last = page.offset + page.data.length;
  const head = `${color.bold(about.label)} · eval run ${about.runId} · ${about.model}: ${
    page.total === 0 ? `no sample matches${about.filter}` : `samples ${first}-${last} of ${page.total}${about.filter}`
  }`;
  const more = page.total > last ? color.dim(`\n${page.total - last} more: --offset ${last}`) : "";
  return [head, ...page.data.map((s) => renderSample(s, about.trials, max))].join("\n\n") + more;
}
