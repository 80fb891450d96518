import { closeWorkspace, listProjects, openWorkspace, resolveHome, TunelabError, type Workspace } from "@tunelab/core";

/** Opens the workspace for one command and closes it afterwards. */
export async function withWorkspace<T>(run: (ws: Workspace) => Promise<T>): Promise<T> {
  const ws = await openWorkspace(resolveHome());
  try {
    return await run(ws);
  } finally {
    await closeWorkspace(ws);
  }
}

/** The project a command acts on: --project, else the only project there is. */
export async function resolveProjectName(ws: Workspace, given: string | undefined): Promise<string> {
  if (given) return given;
  const projects = await listProjects(ws.db);
  if (projects.length === 1 && projects[0]) return projects[0].name;
  throw new TunelabError(
    "invalid_argument",
    projects.length === 0
      ? "no project yet: pass --project NAME (importing data creates it)"
      : `several projects exist (${projects.map((p) => p.name).join(", ")}): pass --project NAME`,
  );
}
