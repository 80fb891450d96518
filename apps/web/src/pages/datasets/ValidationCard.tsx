import { createSignal, For, Show } from "solid-js";
import type { DatasetVersion, ValidationIssue } from "../../api/types.ts";

const LEAKAGE = new Set(["test_leakage_exact", "test_leakage_near"]);
const FIRST = 50;

/** How many findings a report has of the given codes (older reports without counts: the listed ones). */
function countOf(version: DatasetVersion, codes: Set<string>): number {
  const counts: Partial<Record<string, number>> | undefined = version.report.issueCounts;
  if (!counts) return version.report.issues.filter((i) => codes.has(i.code)).length;
  return [...codes].reduce((n, code) => n + (counts[code] ?? 0), 0);
}

/**
 * A version's validation report: one count (the versions table's) and one list of every finding, errors first,
 * leakage into the test split marked as such.
 */
export function ValidationCard(props: { version: DatasetVersion; isTest: boolean }) {
  const [all, setAll] = createSignal(false);
  const report = () => props.version.report;
  const leaks = () => countOf(props.version, LEAKAGE);
  const issues = (): ValidationIssue[] =>
    [...report().issues].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1) || (a.line ?? 0) - (b.line ?? 0));
  const listed = () => (all() ? issues() : issues().slice(0, FIRST));
  const findings = () => report().errors + report().warnings;

  return (
    <div class="card">
      <h2>Validation</h2>
      <p data-testid="validation-count">
        {report().errors} error(s), {report().warnings} warning(s)
        <Show when={leaks() > 0}> ({leaks()} of them: examples that repeat a test item)</Show>
        <Show when={!props.isTest}> · format {props.version.format}</Show> · source <code>{props.version.source || "—"}</code>
      </p>
      <Show
        when={findings() > 0}
        fallback={
          <p class="muted">
            {props.isTest
              ? "No warnings: every line is a valid test item."
              : "No warnings: the file follows OpenAI's fine-tuning rules, and no example repeats or nearly repeats a test item."}
          </p>
        }
      >
        <ul class="issues" data-testid="issues">
          <For each={listed()}>
            {(i) => (
              <li class={`issue-${i.severity}`} data-code={i.code}>
                {i.line ? `line ${i.line}: ` : ""}
                {LEAKAGE.has(i.code) ? "leaks into the test split: " : ""}
                {i.message} <span class="muted">({i.code})</span>
              </li>
            )}
          </For>
        </ul>
        <Show when={issues().length > FIRST && !all()}>
          <button type="button" class="link" onClick={() => setAll(true)}>
            Show all {issues().length} listed
          </button>
        </Show>
        <Show when={issues().length < findings()}>
          <p class="muted">
            The report keeps the first 100 findings of each kind: {issues().length} of {findings()} are listed.
          </p>
        </Show>
      </Show>
    </div>
  );
}
