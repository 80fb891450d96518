import { TunelabError } from "@tunelab/base";
import { isPureGrader } from "../../graders/pure.ts";
import { parseGraderConfig } from "../../graders/registry.ts";
import type { TestGraderResult } from "../../graders/test-grader.schema.ts";
import { type TestGraderInput, testGrader } from "../../graders/test-grader.ts";
import { GradingPool } from "./grading-pool.ts";

/** How long a grader tried over HTTP may take on its one sample, in ms. */
export const TEST_GRADER_DEADLINE_MS = 10_000;

/**
 * `testGrader` for a server: a pure grader grades in a worker thread with a deadline, so a grader stuck on the sample (a
 * regular expression with nested quantifiers, a similarity metric on megabytes of text) never blocks the server's
 * event loop; model graders call their provider as usual, and code graders keep their own isolation.
 */
export async function testGraderOffThread(input: TestGraderInput, deadlineMs = TEST_GRADER_DEADLINE_MS): Promise<TestGraderResult> {
  const config = parseGraderConfig(input.grader);
  if (!isPureGrader(config)) return testGrader(input);
  const pool = new GradingPool([config], 1, undefined, { deadlineMs });
  try {
    return await testGrader({
      ...input,
      grader: config,
      gradeWith: async (parsed, sample, item) => {
        const grade = (await pool.grade(sample, item))[parsed.name];
        if (!grade) throw new TunelabError("internal", `the grading worker returned no grade for "${parsed.name}"`);
        return grade;
      },
    });
  } finally {
    await pool.close();
  }
}
