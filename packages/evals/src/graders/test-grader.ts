import { GraderErrorType as ErrorTypes, type GraderErrorType } from "../grade.schema.ts";
import { type Grade, statusOf } from "../grade.ts";
import { type EvalItem, type Sample, toEvalItem, toSample } from "../item.ts";
import { type InputMessageTemplate, renderMessages } from "../template/messages.ts";
import { resolveTemplate } from "../template/render.ts";
import type { GraderContext } from "./grader.ts";
import { type GraderConfig, parseGraderConfig, runGrader } from "./registry.ts";
import type { TestGraderResult } from "./test-grader.schema.ts";

export interface TestGraderInput {
  /** Grader JSON (validated here; a bad config throws `GraderConfigError`). */
  grader: unknown;
  /** The model's answer: a `Sample`, or just the output text. */
  sample: Sample | string;
  /** A test item, or a raw test-split JSONL line (`{messages, ...}`). */
  item?: EvalItem | Record<string, unknown>;
  context?: GraderContext;
  /** Grades the sample (default `runGrader` on this thread); `testGraderOffThread` grades in a worker with a deadline. */
  gradeWith?: (config: GraderConfig, sample: Sample, item: EvalItem) => Promise<Grade>;
}

function asItem(item: TestGraderInput["item"]): EvalItem {
  if (!item) return { id: "1", input: { messages: [] }, tags: [] };
  if (Array.isArray(item.messages)) return toEvalItem(item, 0);
  const record = item as Partial<EvalItem>;
  return { ...record, id: record.id ?? "1", input: record.input ?? { messages: [] }, tags: record.tags ?? [] };
}

/** Renders the config's template fields for display, without failing the test run on a bad template. */
export function renderedInputs(config: GraderConfig, sample: Sample, item: EvalItem, at = ""): Record<string, unknown> {
  const scope = { item, sample };
  const out: Record<string, unknown> = {};
  const capture = (key: string, render: () => unknown) => {
    try {
      out[`${at}${key}`] = render();
    } catch (error) {
      out[`${at}${key}`] = { error: (error as Error).message };
    }
  };
  if (config.type === "multi") {
    for (const [name, sub] of Object.entries(config.graders))
      Object.assign(out, renderedInputs(sub, sample, item, `${at}graders.${name}.`));
    return out;
  }
  if ("input" in config) {
    const input = config.input;
    capture("input", () =>
      typeof input === "string" ? resolveTemplate(input, scope) : renderMessages(input as InputMessageTemplate[], scope),
    );
  }
  if ("reference" in config && typeof config.reference === "string") {
    const reference = config.reference;
    capture("reference", () => resolveTemplate(reference, scope));
  }
  return out;
}

/** Tries a grader on one example: validates the config, grades, and reports sub-scores, errors and rendered inputs. */
export async function testGrader(input: TestGraderInput): Promise<TestGraderResult> {
  const config = parseGraderConfig(input.grader);
  const sample = typeof input.sample === "string" ? toSample(input.sample) : input.sample;
  const item = asItem(input.item);
  const grade = await (input.gradeWith ? input.gradeWith(config, sample, item) : runGrader(config, sample, item, input.context ?? {}));
  const errors = Object.fromEntries(ErrorTypes.options.map((type) => [type, grade.error?.type === type])) as Record<
    GraderErrorType,
    boolean
  >;
  const result: TestGraderResult = {
    score: grade.score,
    passed: grade.passed,
    status: statusOf(grade),
    errors,
    rendered: renderedInputs(config, sample, item),
    config,
  };
  if (grade.reason !== undefined) result.reason = grade.reason;
  if (grade.error) result.error = grade.error;
  if (grade.subScores) result.subScores = grade.subScores;
  return result;
}
