import { z } from "zod";
import { evaluate } from "../formula/evaluate.ts";
import { formulaVariables, parseFormula } from "../formula/parse.ts";
import { erroredGrade, type Grade, GraderError } from "../grade.ts";
import { configObject } from "./config-object.ts";
import { graderName, passThreshold } from "./fields.ts";
import type { Grader } from "./grader.ts";
import { type LeafGraderConfig, LeafGraderConfig as LeafSchema, leafGraders } from "./leaf-registry.ts";
import { gradeSafely } from "./run.ts";

/**
 * OpenAI's `multi`: runs every grader of `graders` and combines their scores with `calculate_output`, a formula
 * over their names (`+ - * / ^`, `min max abs floor ceil exp sqrt log`). Without `pass_threshold`, the grade
 * passes when every sub-grader passed. A sub-grader error makes the whole grade errored with its type.
 */
export const MultiConfig = configObject({
  type: z.literal("multi"),
  name: graderName,
  graders: z.record(z.string().min(1), LeafSchema),
  calculate_output: z.string().min(1),
  pass_threshold: passThreshold.optional(),
}).superRefine((config, ctx) => {
  if (Object.keys(config.graders).length === 0) ctx.addIssue({ code: "custom", message: "needs at least one grader", path: ["graders"] });
  try {
    for (const name of formulaVariables(parseFormula(config.calculate_output))) {
      if (!Object.hasOwn(config.graders, name)) {
        ctx.addIssue({ code: "custom", message: `formula uses "${name}", which is not in graders`, path: ["calculate_output"] });
      }
    }
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message, path: ["calculate_output"] });
  }
});
export type MultiConfig = z.infer<typeof MultiConfig>;

export const multiGrader: Grader<MultiConfig> = {
  type: "multi",
  config: MultiConfig,
  async grade(config, sample, item, context): Promise<Grade> {
    const formula = parseFormula(config.calculate_output);
    const entries = Object.entries(config.graders);
    const grades = await Promise.all(
      entries.map(([, sub]) => gradeSafely(leafGraders[sub.type] as Grader<LeafGraderConfig>, sub, sample, item, context)),
    );
    const subScores: Record<string, number> = {};
    entries.forEach(([name], i) => {
      subScores[name] = (grades[i] as Grade).score;
    });
    const failedIndex = grades.findIndex((g) => g.error);
    const failed = grades[failedIndex];
    if (failed?.error) {
      const name = entries[failedIndex]?.[0] ?? "?";
      return { ...erroredGrade(failed.error.type, `graders.${name}: ${failed.error.message}`), subScores };
    }
    const score = evaluate(formula, subScores);
    if (!Number.isFinite(score)) throw new GraderError("other_error", `calculate_output "${config.calculate_output}" gave ${score}`);
    const passed = config.pass_threshold === undefined ? grades.every((g) => g.passed) : score >= config.pass_threshold;
    const reasons = entries.map(([name], i) => `${name}=${subScores[name]}${grades[i]?.reason ? ` (${grades[i]?.reason})` : ""}`);
    return { score, passed, reason: reasons.join("; "), subScores };
  },
};
