import { type EvalSampleRow, type GateResult, sampleOutput } from "@tunelab/core";
import type { Grade } from "@tunelab/evals";
import { create } from "xmlbuilder2";

/**
 * A character XML 1.0 cannot hold (control characters other than tab, newline and carriage return, lone surrogates,
 * U+FFFE and U+FFFF), written as its escape (`\u001b`), so that a model's output never makes the report malformed.
 */
const visibleEscape = (char: string) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`;

/** JUnit XML: one test case per item (per item and trial when the run has trials), plus one per gate. */
export function renderJunit(gate: GateResult, samples: EvalSampleRow[]): string {
  const failures = samples.filter((s) => s.status === "failed").length + gate.checks.filter((c) => !c.passed).length;
  const errors = samples.filter((s) => s.status === "errored").length;
  // a gate that could not be checked yet (max-drop on a first run, with no baseline) is a skipped test case
  const skipped = gate.checks.filter((c) => c.skipped).length;
  const counts = { tests: samples.length + gate.checks.length, failures, errors, skipped };
  const root = create({ version: "1.0", encoding: "UTF-8", invalidCharReplacement: visibleEscape }).ele("testsuites", {
    name: "tunelab eval",
    ...counts,
  });
  const suite = root.ele("testsuite", {
    name: `${gate.run.model} on ${gate.primaryMetric}`,
    ...counts,
    timestamp: gate.run.createdAt,
  });
  for (const check of gate.checks) {
    const testcase = suite.ele("testcase", { classname: "tunelab.gates", name: check.gate });
    if (!check.passed) testcase.ele("failure", { message: check.detail, type: "gate" }).txt(check.detail);
    else if (check.skipped) testcase.ele("skipped", { message: check.detail });
  }
  for (const sample of samples) {
    const grades = JSON.parse(sample.grades_json) as Record<string, Grade>;
    const name = gate.run.trials > 1 ? `item ${sample.item_id} trial ${sample.trial + 1}` : `item ${sample.item_id}`;
    const testcase = suite.ele("testcase", { classname: `tunelab.items`, name });
    const summary = Object.entries(grades)
      .map(
        ([name, g]) =>
          `${name}: ${g.error ? `error ${g.error.type}: ${g.error.message}` : `${g.score}${g.passed ? " pass" : " fail"}${g.reason ? ` (${g.reason})` : ""}`}`,
      )
      .join("\n");
    if (sample.status === "failed")
      testcase.ele("failure", { message: "graders failed", type: "grade" }).txt(`output: ${sampleOutput(sample) ?? ""}\n${summary}`);
    if (sample.status === "errored")
      testcase.ele("error", { message: "grader or sampling error", type: "error" }).txt(`${sample.error ?? ""}\n${summary}`);
  }
  return root.end({ prettyPrint: true });
}
