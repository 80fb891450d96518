import { listGraderSets } from "../grader-sets/grader-set.repository.ts";
import type { GraderSet } from "../grader-sets/grader-set.schema.ts";
import type { DB } from "../storage/database.ts";
import { boardVersionRef, pickBoardVersion } from "./board-version.ts";

/** A leaderboard's grader set version: `graders@2`, or just its number `2`. */
export const BoardGraders = boardVersionRef("graders");

/** The project's grader set `graders@N` (or `N`); not_found names the versions it has. */
export async function boardGraderSet(db: DB, project: { id: string; name: string }, ref: string): Promise<GraderSet> {
  return pickBoardVersion(await listGraderSets(db, project.id), (v) => v.version, ref, project, {
    noun: "grader set",
    prefix: "graders@",
    plural: "grader sets",
    none: "it has no graders yet: `tunelab graders add FILE`",
    field: "graders",
    listField: "graderSets",
  });
}
