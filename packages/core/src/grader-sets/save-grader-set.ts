import { resolve } from "node:path";
import { sha256, TunelabError } from "@tunelab/base";
import { type GraderConfig, GraderConfigError, hashModule, parseGraderConfig } from "@tunelab/evals";
import { canonicalJson } from "@tunelab/formats";
import { writeFirst } from "@tunelab/storage";
import { getProjectByName } from "../projects/project.repository.ts";
import type { Workspace } from "../storage/workspace.ts";
import { currentGraderSet, findGraderSetByHash, insertGraderSet, makeGraderSetCurrent } from "./grader-set.repository.ts";
import { GraderFile, type GraderSet } from "./grader-set.schema.ts";

/** Grader configs from a grader file's JSON (validated; errors name the path), and its primary metric if it names one. */
export function gradersFromJson(json: unknown, source = "graders"): { graders: GraderConfig[]; primaryMetric?: string } {
  const parsed = GraderFile.safeParse(json);
  if (!parsed.success) {
    throw new TunelabError(
      "invalid_argument",
      `${source}: expected a grader object, a list of graders, {testing_criteria: [...]} or {graders: [...], primary_metric}`,
    );
  }
  const value = parsed.data;
  const [list, at, primary] = Array.isArray(value)
    ? [value, "", undefined]
    : "graders" in value && Array.isArray(value.graders)
      ? [value.graders, "graders", typeof value.primary_metric === "string" ? value.primary_metric : undefined]
      : "testing_criteria" in value && Array.isArray(value.testing_criteria)
        ? [value.testing_criteria, "testing_criteria", undefined]
        : [[value], "", undefined];
  try {
    const graders = list.map((entry, i) => parseGraderConfig(entry, at ? `${at}[${i}]` : Array.isArray(value) ? `[${i}]` : ""));
    return { graders, ...(primary ? { primaryMetric: primary } : {}) };
  } catch (error) {
    if (error instanceof GraderConfigError)
      throw new TunelabError("invalid_argument", `${source}: ${error.issues.join("; ")}`, { details: error.issues });
    throw error;
  }
}

/** Pins custom graders to their module's content (absolute path + sha256), so scores from different code never mix. */
async function pinCustom(config: GraderConfig, cwd: string): Promise<GraderConfig> {
  if (config.type !== "custom") return config;
  const path = resolve(cwd, config.path);
  let hash: string;
  try {
    hash = await hashModule(path);
  } catch {
    throw new TunelabError("invalid_argument", `custom grader "${config.name}": cannot read ${path}`);
  }
  return { ...config, path, sha256: hash };
}

/**
 * Stores a project's grader set. Identical content returns the existing version: the current one unchanged, or an
 * earlier one made current again (`restored`: removing the grader just added goes back to the set before, whose scores
 * rank again); anything else is the next version (old eval runs stay attached to the version they were scored with).
 */
export async function saveGraderSet(
  ws: Workspace,
  projectName: string,
  input: { graders: GraderConfig[]; primaryMetric?: string },
  cwd: string = process.cwd(),
): Promise<SavedGraderSet> {
  const project = await getProjectByName(ws.db, projectName);
  if (input.graders.length === 0) throw new TunelabError("invalid_argument", "a grader set needs at least one grader");
  const names = new Set<string>();
  for (const grader of input.graders) {
    if (names.has(grader.name)) throw new TunelabError("invalid_argument", `two graders are named "${grader.name}"; names must be unique`);
    names.add(grader.name);
  }
  const primaryMetric = input.primaryMetric ?? input.graders[0]?.name ?? "";
  if (!names.has(primaryMetric))
    throw new TunelabError("invalid_argument", `primary metric "${primaryMetric}" is not a grader (graders: ${[...names].join(", ")})`);
  const graders = await Promise.all(input.graders.map((g) => pinCustom(g, cwd)));
  const contentHash = sha256(canonicalJson({ graders, primaryMetric }));
  // one grader set saved at a time across processes: the next version number is decided without a race
  return ws.db.transaction().execute(async (trx) => {
    await writeFirst(trx, "grader_sets", GRADER_SETS_LOCK);
    const existing = await findGraderSetByHash(trx, project.id, contentHash);
    const current = await currentGraderSet(trx, project.id);
    if (existing && current?.id === existing.id) return { graderSet: existing, created: false, restored: false };
    if (existing) {
      await makeGraderSetCurrent(trx, existing);
      return { graderSet: existing, created: false, restored: true };
    }
    const graderSet = await insertGraderSet(trx, { projectId: project.id, contentHash, graders, primaryMetric });
    return { graderSet, created: true, restored: false };
  });
}

const GRADER_SETS_LOCK = 0x67726164; // "grad"

/** `created`: a new version; `restored`: an earlier version with this content is current again; neither: unchanged. */
export interface SavedGraderSet {
  graderSet: GraderSet;
  created: boolean;
  restored: boolean;
}

/** Adds graders to the current set (replacing same-named ones), as a new version. */
export async function addGraders(ws: Workspace, projectName: string, added: GraderConfig[], primaryMetric?: string, cwd?: string) {
  const project = await getProjectByName(ws.db, projectName);
  const current = await currentGraderSet(ws.db, project.id);
  const names = new Set(added.map((g) => g.name));
  const graders = [...(current?.graders ?? []).filter((g) => !names.has(g.name)), ...added];
  return saveGraderSet(ws, projectName, { graders, primaryMetric: primaryMetric ?? current?.primaryMetric ?? added[0]?.name ?? "" }, cwd);
}

export async function removeGrader(ws: Workspace, projectName: string, name: string) {
  const project = await getProjectByName(ws.db, projectName);
  const current = await currentGraderSet(ws.db, project.id);
  if (!current?.graders.some((g) => g.name === name)) throw new TunelabError("not_found", `no grader "${name}" in the current grader set`);
  const graders = current.graders.filter((g) => g.name !== name);
  const primaryMetric = current.primaryMetric === name ? (graders[0]?.name ?? "") : current.primaryMetric;
  return saveGraderSet(ws, projectName, { graders, primaryMetric });
}
