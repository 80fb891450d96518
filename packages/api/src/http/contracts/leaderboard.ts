import { z } from "@hono/zod-openapi";
import { ComparedItem, Comparison, Leaderboard, LeaderboardRow, ProjectCurve, ProjectCurves } from "@tunelab/core";
import { named } from "./named.ts";

/** Core's leaderboard: experiments on the current test split and grader set, ranked (and sorted) by the server. */
export const LeaderboardBody = named(Leaderboard, "Leaderboard", { rows: z.array(named(LeaderboardRow, "LeaderboardRow")) });

/** Core's learning curves: experiments that differ only in their data, fitted and projected. */
export const CurvesBody = named(ProjectCurves, "ProjectCurves", { curves: z.array(named(ProjectCurve, "LearningCurve")) });

const Compared = named(ComparedItem, "ComparedItem");
/** Core's comparison of two runs on the same test split. */
export const ComparisonBody = named(Comparison, "Comparison", {
  regressed: z.array(Compared),
  improved: z.array(Compared),
  bothFailed: z.array(Compared),
});
