import { z } from "zod";
import type { Grade } from "../grade.ts";
import type { EvalItem, Sample } from "../item.ts";
import { resolveTemplate } from "../template/render.ts";
import { configObject } from "./config-object.ts";
import { graderName, passThreshold, template } from "./fields.ts";
import type { Grader } from "./grader.ts";
import { isObject, JsonCompareOptions, jsonEqual, tryParseJson } from "./json-compare.ts";

const DEFAULT_REFERENCE = "{{item.reference_tools}}";

/**
 * `tool_call_match`: the output's tool calls against the reference calls, by function name and by arguments
 * parsed as JSON (so key order and spacing never matter). Score = matched calls / max(expected, produced), so both
 * missing and extra calls cost. An item without `reference_tools` (default reference) expects no tool calls.
 */
export const ToolCallMatchConfig = configObject({
  type: z.literal("tool_call_match"),
  name: graderName,
  reference: template.default(DEFAULT_REFERENCE),
  /** `name`: only function names count; `name_and_arguments` (default): names and arguments. */
  compare: z.enum(["name", "name_and_arguments"]).default("name_and_arguments"),
  /** Require calls in the same order (default: any order, as parallel calls have none). */
  ordered: z.boolean().default(false),
  ...JsonCompareOptions.shape,
  pass_threshold: passThreshold.optional(),
});
export type ToolCallMatchConfig = z.infer<typeof ToolCallMatchConfig>;

interface Call {
  name: string;
  /** Parsed arguments; the raw text when it is not JSON. */
  arguments: unknown;
  argumentsValid: boolean;
}

/** Accepts OpenAI tool calls (`{function: {name, arguments}}`) or bare `{name, arguments}`; arguments as text or JSON. */
export function normalizeCalls(value: unknown): Call[] {
  const list = typeof value === "string" ? (tryParseJson(value).ok ? (JSON.parse(value) as unknown) : []) : value;
  const entries = Array.isArray(list) ? list : list == null ? [] : [list];
  return entries.map((entry) => {
    const fn = isObject(entry) && isObject(entry.function) ? entry.function : entry;
    const name = isObject(fn) && typeof fn.name === "string" ? fn.name : "";
    const args = isObject(fn) ? fn.arguments : undefined;
    if (typeof args === "string") {
      const parsed = tryParseJson(args.trim() === "" ? "{}" : args);
      return parsed.ok ? { name, arguments: parsed.value, argumentsValid: true } : { name, arguments: args, argumentsValid: false };
    }
    return { name, arguments: args ?? {}, argumentsValid: true };
  });
}

function expectedCalls(config: ToolCallMatchConfig, sample: Sample, item: EvalItem): Call[] {
  if (config.reference === DEFAULT_REFERENCE && item.reference_tools === undefined) return [];
  return normalizeCalls(resolveTemplate(config.reference, { item, sample }));
}

export const toolCallMatchGrader: Grader<ToolCallMatchConfig> = {
  type: "tool_call_match",
  config: ToolCallMatchConfig,
  async grade(config, sample, item): Promise<Grade> {
    const expected = expectedCalls(config, sample, item);
    const produced = normalizeCalls(sample.output_tools ?? []);
    const total = Math.max(expected.length, produced.length);
    if (total === 0) return { score: 1, passed: true, reason: "no tool calls expected or made", subScores: { name: 1, arguments: 1 } };
    const argsMatch = (p: Call, e: Call) => p.argumentsValid && jsonEqual(p.arguments, e.arguments, config);
    const unused = new Set(produced.map((_, i) => i));
    let names = 0;
    let full = 0;
    const notes: string[] = [];
    expected.forEach((e, position) => {
      const candidates = config.ordered ? [position].filter((i) => unused.has(i)) : [...unused];
      const exact = candidates.find((i) => produced[i]?.name === e.name && argsMatch(produced[i] as Call, e));
      const byName = exact ?? candidates.find((i) => produced[i]?.name === e.name);
      if (byName === undefined) {
        notes.push(`missing call ${e.name}`);
        return;
      }
      unused.delete(byName);
      names += 1;
      if (exact !== undefined) full += 1;
      else {
        const p = produced[byName] as Call;
        notes.push(
          p.argumentsValid
            ? `${e.name}: arguments ${JSON.stringify(p.arguments)} != ${JSON.stringify(e.arguments)}`
            : `${e.name}: arguments are not JSON`,
        );
      }
    });
    for (const i of unused) notes.push(`unexpected call ${produced[i]?.name || "(no name)"}`);
    const subScores = { name: names / total, arguments: full / total };
    const score = config.compare === "name" ? subScores.name : subScores.arguments;
    const summary = `${config.compare === "name" ? names : full}/${total} calls match`;
    return {
      score,
      passed: score >= (config.pass_threshold ?? 1),
      reason: notes.length ? `${summary}; ${notes.join("; ")}` : summary,
      subScores,
    };
  },
};
