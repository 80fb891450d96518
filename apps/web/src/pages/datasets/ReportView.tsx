import { For, Show } from "solid-js";
import type { LeakageReport, ValidationReport } from "../../api/types.ts";
import { count } from "../../lib/format.ts";

const LEAKAGE = new Set(["test_leakage_exact", "test_leakage_near"]);
const SHOWN = 30;

/**
 * The report `tunelab data import FILE --dataset NAME` prints: a verdict (nothing written on errors), each finding with its line, field
 * and code, errors first, a count of those not listed, leakage into the test split, and the token figures.
 */
export function ReportView(props: { report: ValidationReport; leakage?: LeakageReport | undefined; stored?: string | undefined }) {
  const ordered = () =>
    [...props.report.issues].sort(
      (a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1) || (a.line ?? 0) - (b.line ?? 0),
    );
  const more = () => {
    const listed = Math.min(ordered().length, SHOWN);
    const total = Object.values(props.report.issueCounts).reduce<number>((n, c) => n + (c ?? 0), 0);
    return Math.max(total, ordered().length) - listed;
  };
  const r = () => props.report;
  return (
    <div class="upload-report" data-testid="upload-report">
      <p data-testid="report-verdict" classList={{ "sev-error": r().errors > 0 }}>
        <Show
          when={r().errors > 0}
          fallback={
            <>
              ✔ {r().file}: valid {r().format} data, {r().examples} example{r().examples === 1 ? "" : "s"}
              {r().warnings > 0 ? `, ${r().warnings} warning${r().warnings === 1 ? "" : "s"}` : ""}
              {props.stored ? ` — stored as ${props.stored}` : ""}
            </>
          }
        >
          ✖ {r().file}: {r().errors} error{r().errors === 1 ? "" : "s"}, {r().warnings} warning{r().warnings === 1 ? "" : "s"} — nothing was
          written
        </Show>
      </p>
      <Show when={props.leakage}>
        {(l) => (
          <p data-testid="report-leakage">
            Leakage vs {l().testSplit}: {l().exact.length} exact duplicate{l().exact.length === 1 ? "" : "s"} of test items excluded,{" "}
            {l().near.length} near duplicate{l().near.length === 1 ? "" : "s"} kept.
          </p>
        )}
      </Show>
      <Show when={ordered().length > 0}>
        <ul class="report-issues" data-testid="report-issues">
          <For each={ordered().slice(0, SHOWN)}>
            {(i) => (
              <li data-code={i.code} data-line={i.line ?? ""} data-path={i.path ?? ""}>
                <span class="where">{i.line === undefined ? "file" : `line ${i.line}`}</span>
                <span class={i.severity === "error" ? "sev-error" : "sev-warning"}>{i.severity}</span> <code>{i.code}</code>
                {i.path ? (
                  <>
                    {" "}
                    <span class="path">{i.path}:</span>
                  </>
                ) : (
                  ""
                )}{" "}
                {LEAKAGE.has(i.code) ? "leaks into the test split: " : ""}
                {i.message}
              </li>
            )}
          </For>
        </ul>
        <Show when={more() > 0}>
          <p class="muted">… and {more()} more findings (the report keeps the first 100 of each code).</p>
        </Show>
      </Show>
      <Show when={r().examples > 0}>
        <p class="muted">
          {count(r().stats.examples)} examples · {count(r().stats.tokensPerExample.total)} tokens, all messages ({r().stats.encoding}) ·{" "}
          {r().stats.overContextLimit} over the {count(r().stats.contextLimit)}-token context
        </p>
      </Show>
    </div>
  );
}
