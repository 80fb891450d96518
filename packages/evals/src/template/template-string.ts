import { z } from "zod";
import { closestName } from "./closest-name.ts";
import { parsePath } from "./path.ts";
import { templateVariables } from "./render.ts";
import { SAMPLE_FIELDS } from "./sample-fields.ts";

/**
 * What is wrong with a template's `{{sample.*}}` variables, found before any item is graded: a sample has a fixed set
 * of fields (`SAMPLE_FIELDS`), so `{{sample.output_txt}}` could only ever fail. `{{item.*}}` variables depend on the
 * test split and are checked when an item is rendered; so are variables that do not parse.
 */
export function sampleVariableProblems(template: string): string[] {
  const problems: string[] = [];
  for (const variable of templateVariables(template)) {
    let segments: ReadonlyArray<string | number>;
    try {
      segments = parsePath(variable).segments;
    } catch {
      continue;
    }
    const [namespace, field] = segments;
    if (namespace !== "sample" || field === undefined || SAMPLE_FIELDS.includes(String(field))) continue;
    const near = typeof field === "string" ? closestName(field, SAMPLE_FIELDS) : undefined;
    const hint = near ? ` (did you mean {{sample.${near}}}?)` : "";
    problems.push(`{{${variable}}} is not a sample field${hint}; a sample has ${SAMPLE_FIELDS.map((f) => `sample.${f}`).join(", ")}`);
  }
  return problems;
}

/** A template string in a grader config: refuses unknown `{{sample.*}}` variables (see `sampleVariableProblems`). */
export const TemplateString = z.string().superRefine((template, ctx) => {
  for (const message of sampleVariableProblems(template)) ctx.addIssue({ code: "custom", message });
});
