import { z } from "zod";
import type { Grade } from "../grade.ts";
import { clipGraderText } from "../sandbox/limits.ts";

const MAX_SUB_SCORES = 1_000;

/** What a worker may report as a grade: checked in the host, since the module's code can post anything. */
const WorkerGrade = z
  .object({
    score: z.number().finite(),
    passed: z.boolean().optional(),
    reason: z.string().optional(),
    subScores: z
      .record(z.string(), z.number().finite())
      .refine((scores) => Object.keys(scores).length <= MAX_SUB_SCORES, `at most ${MAX_SUB_SCORES} subScores`)
      .optional(),
  })
  .strip();

export type WorkerGrade = Omit<Grade, "passed" | "error"> & { passed?: boolean };

/** The grade as plain data (a string reason, cut to `MAX_GRADER_TEXT_CHARS`), or the reason it is not one. */
export function checkWorkerGrade(raw: unknown): { ok: true; grade: WorkerGrade } | { ok: false; message: string } {
  const parsed = WorkerGrade.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `custom grader returned an invalid grade: ${issue?.path.join(".") || "grade"}: ${issue?.message}` };
  }
  const grade: WorkerGrade = { score: parsed.data.score };
  if (parsed.data.passed !== undefined) grade.passed = parsed.data.passed;
  if (parsed.data.reason !== undefined) grade.reason = clipGraderText(parsed.data.reason);
  if (parsed.data.subScores !== undefined) grade.subScores = parsed.data.subScores;
  return { ok: true, grade };
}
