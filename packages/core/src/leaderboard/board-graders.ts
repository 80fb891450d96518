import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import { listGraderSets } from "../grader-sets/grader-set.repository.ts";
import type { GraderSet } from "../grader-sets/grader-set.schema.ts";
import type { DB } from "../storage/database.ts";

/** A leaderboard's grader set version: `graders@2`, or just its number `2`. */
export const BoardGraders = z
  .string()
  .max(80)
  .regex(/^(graders@)?[1-9][0-9]{0,8}$/, "expected graders@N or N, e.g. graders@1");

/** The project's grader set `graders@N` (or `N`); not_found names the versions it has. */
export async function boardGraderSet(db: DB, project: { id: string; name: string }, ref: string): Promise<GraderSet> {
  const number = Number(ref.slice(ref.indexOf("@") + 1));
  const versions = await listGraderSets(db, project.id);
  const version = versions.find((v) => v.version === number);
  if (version) return version;
  const have = versions.length
    ? `its grader sets: ${versions.map((v) => v.ref).join(", ")}`
    : "it has no graders yet: `tunelab graders add FILE`";
  throw new TunelabError("not_found", `project ${project.name} has no grader set graders@${number} (${have})`, {
    details: { graders: ref, graderSets: versions.map((v) => v.ref) },
  });
}
