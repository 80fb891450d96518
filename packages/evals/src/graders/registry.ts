import { z } from "zod";
import type { Grade } from "../grade.ts";
import type { EvalItem, Sample } from "../item.ts";
import type { Grader, GraderContext } from "./grader.ts";
import { LeafGraderConfig, leafGraders } from "./leaf-registry.ts";
import { MultiConfig, multiGrader } from "./multi.ts";
import { isPureGrader } from "./pure.ts";
import { gradeSafely } from "./run.ts";

/** Any grader config: OpenAI's grader JSON plus tunelab's built-ins and custom graders. The source of the types. */
export const GraderConfig = z.discriminatedUnion("type", [...LeafGraderConfig.options, MultiConfig]);
export type GraderConfig = z.infer<typeof GraderConfig>;
/** A config as written (before defaults are applied). */
export type GraderConfigInput = z.input<typeof GraderConfig>;
export type GraderType = GraderConfig["type"];

/** Exhaustive registry: a grader type without an implementation here fails to compile. */
export const graders: { [T in GraderType]: Grader<Extract<GraderConfig, { type: T }>> } = {
  ...leafGraders,
  multi: multiGrader,
};

export const GRADER_TYPES = Object.keys(graders) as GraderType[];
const LEAF_GRADER_TYPES: readonly string[] = Object.keys(leafGraders);

/** A grader config that does not validate; `issues` name the path of each problem. */
export class GraderConfigError extends Error {
  override readonly name = "GraderConfigError";
  constructor(readonly issues: string[]) {
    super(`invalid grader config: ${issues.join("; ")}`);
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "");
}

/**
 * Validates grader JSON. Errors name the path: `graders.accuracy.pass_threshold: expected number, received string`,
 * `type: unknown grader type "foo"`, `graders.accuracy: unknown key "pass_treshold" (did you mean "pass_threshold"?)`
 * (unknown keys are refused, not dropped). `at` prefixes every path (e.g. `testing_criteria[2]`).
 */
export function parseGraderConfig(json: unknown, at = ""): GraderConfig {
  const prefix = (path: string) => (at && path ? `${at}.${path}` : at || path || "(root)");
  const type = json && typeof json === "object" ? (json as { type?: unknown }).type : undefined;
  if (type === undefined || !GRADER_TYPES.includes(type as GraderType)) {
    const what = type === undefined ? "missing" : `unknown grader type ${JSON.stringify(type)}`;
    throw new GraderConfigError([`${prefix("type")}: ${what} (expected one of ${GRADER_TYPES.join(", ")})`]);
  }
  const result = GraderConfig.safeParse(withoutCriterionId(json));
  if (result.success) return result.data;
  throw new GraderConfigError(
    result.error.issues.map(
      (issue) => `${prefix(formatPath(issue.path))}: ${subGraderTypeProblem(json, issue.path) ?? simplify(issue.message)}`,
    ),
  );
}

/**
 * The problem with a `multi`'s sub-grader `type` (path `graders.<name>.type`), said as for a top-level grader: another
 * `multi` (OpenAI: "You cannot nest one multigrader inside another"), an unknown type, or none. `undefined` for
 * any other path.
 */
function subGraderTypeProblem(json: unknown, path: readonly PropertyKey[]): string | undefined {
  const [graders, name, key] = path;
  if (path.length !== 3 || graders !== "graders" || key !== "type") return undefined;
  const sub = (json as { graders?: Record<string, unknown> }).graders?.[String(name)];
  const type = sub && typeof sub === "object" ? (sub as { type?: unknown }).type : undefined;
  const expected = `expected one of ${LEAF_GRADER_TYPES.join(", ")}`;
  if (type === "multi") return `a multi grader cannot contain another multi grader (${expected})`;
  if (type === undefined) return `missing (${expected})`;
  if (!LEAF_GRADER_TYPES.includes(type as string)) return `unknown grader type ${JSON.stringify(type)} (${expected})`;
  return undefined;
}

/**
 * OpenAI's Evals API returns each of an eval's `testing_criteria` with an `id` (`"<name>-<uuid>"`); grader JSON copied
 * from there is accepted, and the `id` dropped (it is not part of what the grader does, nor of the grader set's hash).
 */
function withoutCriterionId(json: unknown): unknown {
  if (!json || typeof json !== "object" || Array.isArray(json) || !Object.hasOwn(json, "id")) return json;
  const { id, ...rest } = json as Record<string, unknown>;
  return typeof id === "string" ? rest : json;
}

function simplify(message: string): string {
  return message.replace(/^Invalid (input|option): /, "");
}

/** Grades one sample with any grader config; never throws: errors become errored grades (see `gradeSafely`). */
export function runGrader(config: GraderConfig, sample: Sample, item: EvalItem, context: GraderContext = {}): Promise<Grade> {
  return gradeSafely(graders[config.type] as Grader<GraderConfig>, config, sample, item, context);
}

/** A grader bound to its context, in the `{name, grade(sample, item)}` shape the runner takes. */
export function bindGrader(
  config: GraderConfig,
  context: GraderContext = {},
): { name: string; grade(sample: Sample, item: EvalItem): Promise<Grade>; config?: GraderConfig } {
  // a pure grader carries its config: the runner may grade it in a worker thread (the same grade, computed there)
  return {
    name: config.name,
    grade: (sample, item) => runGrader(config, sample, item, context),
    ...(isPureGrader(config) ? { config } : {}),
  };
}
