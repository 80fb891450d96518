import { GraderError } from "../grade.ts";
import type { EvalItem, Sample } from "../item.ts";
import { formatPath, lookup, type PathSegment, parsePath, type VariablePath } from "./path.ts";
import { sampleChoices } from "./sample-choices.ts";

/** What a template may read: `{{item.*}}` and `{{sample.*}}`. */
export interface TemplateScope {
  item: EvalItem | Record<string, unknown>;
  sample: Sample | Record<string, unknown>;
}

const NAMESPACES = ["item", "sample"] as const;
const VARIABLE = /\{\{([^{}]*)\}\}/g;
const BLANK = /^\s*$/;

/**
 * Resolves one variable (`item.answer.fields[0]`) to its value. A missing variable or an unknown namespace throws
 * `invalid_variable_error` naming it; `sample.output_json` on an output that is not JSON throws `sample_parse_error`.
 */
export function resolveVariable(expression: string | VariablePath, scope: TemplateScope): unknown {
  const path = typeof expression === "string" ? parsePath(expression) : expression;
  const [namespace, ...rest] = path.segments;
  if (namespace !== "item" && namespace !== "sample") {
    throw new GraderError(
      "invalid_variable_error",
      `unknown template namespace "${String(namespace)}" in {{${path.text}}} (use ${NAMESPACES.join(" or ")})`,
    );
  }
  const value = lookup(rootOf(scope, namespace, rest), rest);
  if (value !== undefined) return value;
  if (namespace === "sample" && rest[0] === "output_json" && (scope.sample as Sample).output_json === undefined) {
    throw new GraderError("sample_parse_error", `{{${path.text}}}: the sample output is not valid JSON`);
  }
  throw new GraderError("invalid_variable_error", `template variable {{${path.text}}} is not set (missing ${missingPart(path, scope)})`);
}

/** What a path is looked up in: the item or the sample, with `sample.choices` built from the sample when it is read. */
function rootOf(scope: TemplateScope, namespace: "item" | "sample", rest: readonly PathSegment[]): unknown {
  const root = scope[namespace];
  if (namespace !== "sample" || rest[0] !== "choices" || Object.hasOwn(root, "choices")) return root;
  return { ...root, choices: sampleChoices(root as Sample) };
}

/** The first prefix of the path that does not resolve, for error messages. */
function missingPart(path: VariablePath, scope: TemplateScope): string {
  const [namespace, ...rest] = path.segments;
  const root = rootOf(scope, namespace as "item" | "sample", rest);
  for (let i = 1; i <= rest.length; i++) {
    if (lookup(root, rest.slice(0, i)) === undefined) return formatPath([namespace as string, ...rest.slice(0, i)]);
  }
  return path.text;
}

/** A value as it appears in rendered text: strings as they are, everything else as JSON. */
export function stringify(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A variable of a compiled template: its expression as written, and its parsed path when it parses. */
interface VariablePiece {
  expression: string;
  path: VariablePath | undefined;
}

/** A template split once into literal text and variables; `single` when it is exactly one variable (spaces aside). */
interface CompiledTemplate {
  pieces: Array<string | VariablePiece>;
  single: VariablePiece | undefined;
}

/** Templates come from grader configs (a handful per run, rendered once per sample): each is split and parsed once. */
const compiledTemplates = new Map<string, CompiledTemplate>();
const MAX_COMPILED = 512;

function variablePiece(expression: string): VariablePiece {
  let path: VariablePath | undefined;
  try {
    path = parsePath(expression);
  } catch {
    path = undefined; // thrown when the variable is rendered, in template order, as before compiling
  }
  return { expression, path };
}

function compileTemplate(template: string): CompiledTemplate {
  const cached = compiledTemplates.get(template);
  if (cached) return cached;
  const pieces: CompiledTemplate["pieces"] = [];
  let at = 0;
  for (const match of template.matchAll(VARIABLE)) {
    if (match.index > at) pieces.push(template.slice(at, match.index));
    pieces.push(variablePiece(match[1] ?? ""));
    at = match.index + match[0].length;
  }
  if (at < template.length) pieces.push(template.slice(at));
  const variables = pieces.filter((piece): piece is VariablePiece => typeof piece !== "string");
  const onlyOne = variables.length === 1 && pieces.every((piece) => typeof piece !== "string" || BLANK.test(piece));
  const compiled = { pieces, single: onlyOne ? variables[0] : undefined };
  if (compiledTemplates.size >= MAX_COMPILED) compiledTemplates.clear();
  compiledTemplates.set(template, compiled);
  return compiled;
}

/** A variable's value (a variable that does not parse throws its parse error here). */
const resolvePiece = (piece: VariablePiece, scope: TemplateScope) => resolveVariable(piece.path ?? piece.expression, scope);

/** Renders every `{{ namespace.path }}` in `template`. No expressions, filters or code: only variable lookups. */
export function renderTemplate(template: string, scope: TemplateScope): string {
  let out = "";
  for (const piece of compileTemplate(template).pieces) out += typeof piece === "string" ? piece : stringify(resolvePiece(piece, scope));
  return out;
}

/**
 * A template that is exactly one variable (`{{item.reference_json}}`) yields the raw value (object, number, …);
 * anything else renders to a string. Used where graders compare structured values.
 */
export function resolveTemplate(template: string, scope: TemplateScope): unknown {
  const { single } = compileTemplate(template);
  if (single) return resolvePiece(single, scope);
  return renderTemplate(template, scope);
}

/** The variables a template reads, as written (for validation and `testGrader` output). */
export function templateVariables(template: string): string[] {
  return [...template.matchAll(VARIABLE)].map((m) => (m[1] ?? "").trim());
}
