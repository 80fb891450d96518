import { getProjectByName, leaderboard, listExperiments, TunelabError, type Workspace } from "@tunelab/core";
import { resolveProjectName } from "../context.ts";

/**
 * What `compare` (and the like) accept for one side: an experiment or eval run id as is, a leaderboard rank (`3` or
 * `#3`, as `tunelab leaderboard` numbers them) or an experiment's name; ranks and names are looked up in the project.
 */
export async function resolveExperimentRef(ws: Workspace, ref: string, project: string | undefined): Promise<string> {
  if (/^(exp|run)_[0-9a-z]+$/.test(ref)) return ref;
  const name = await resolveProjectName(ws, project);
  const rank = /^#?(\d+)$/.exec(ref);
  if (rank) {
    const board = await leaderboard(ws, { project: name, sort: "rank" });
    const rows = board.rows.filter((r) => r.rank === Number(rank[1]));
    if (rows.length === 1 && rows[0]) return rows[0].experimentId;
    if (rows.length > 1)
      throw new TunelabError(
        "invalid_argument",
        `rank ${rank[1]} is shared by ${rows.map((r) => `"${r.name}" (${r.experimentId})`).join(" and ")}: give an id or a name`,
      );
    const ranks = board.rows.map((r) => r.rank).filter((r) => r !== null);
    throw new TunelabError(
      "not_found",
      ranks.length
        ? `no rank ${rank[1]} on the leaderboard of ${name} (ranks ${Math.min(...ranks)}–${Math.max(...ranks)}): \`tunelab leaderboard\``
        : `nothing is ranked on the leaderboard of ${name} yet: \`tunelab leaderboard\``,
    );
  }
  const projectId = (await getProjectByName(ws.db, name)).id;
  const named = (await listExperiments(ws.db, projectId)).filter((e) => e.name === ref);
  if (named.length === 1 && named[0]) return named[0].id;
  if (named.length > 1)
    throw new TunelabError(
      "invalid_argument",
      `${named.length} experiments are named "${ref}" (${named.map((e) => e.id).join(", ")}): give an id`,
    );
  throw new TunelabError(
    "not_found",
    `"${ref}" is not an experiment id, eval run id, leaderboard rank or experiment name in ${name}: \`tunelab exp list\` shows them`,
  );
}
