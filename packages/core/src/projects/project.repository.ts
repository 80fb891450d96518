import { TunelabError } from "@tunelab/base";
import { newId, type ProjectId } from "../shared/id.ts";
import { nowIso } from "../shared/time.ts";
import type { DB } from "../storage/database.ts";
import { type Project, ResourceName } from "./project.schema.ts";
import type { ProjectRow } from "./project.table.ts";

function toProject(row: ProjectRow): Project {
  return { id: row.id as ProjectId, name: row.name, description: row.description, createdAt: row.created_at };
}

export function parseProjectName(name: string): string {
  const parsed = ResourceName.safeParse(name);
  if (!parsed.success) {
    throw new TunelabError("invalid_argument", `invalid project name "${name}": ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}

export async function findProjectByName(db: DB, name: string): Promise<Project | undefined> {
  const row = await db.selectFrom("projects").selectAll().where("name", "=", name).executeTakeFirst();
  return row && toProject(row);
}

export async function getProjectByName(db: DB, name: string): Promise<Project> {
  const project = await findProjectByName(db, name);
  if (!project) {
    const names = (await listProjects(db)).map((p) => p.name);
    throw new TunelabError(
      "not_found",
      `project "${name}" does not exist${names.length ? ` (projects: ${names.join(", ")})` : ""}; create it with \`tunelab project create ${name}\``,
    );
  }
  return project;
}

export async function listProjects(db: DB): Promise<Project[]> {
  const rows = await db.selectFrom("projects").selectAll().orderBy("created_at").orderBy("name").execute();
  return rows.map(toProject);
}

export async function createProject(db: DB, input: { name: string; description?: string }): Promise<Project> {
  const name = parseProjectName(input.name);
  if (await findProjectByName(db, name)) {
    throw new TunelabError("conflict", `project "${name}" already exists`);
  }
  const row: ProjectRow = { id: newId("proj"), name, description: input.description ?? "", created_at: nowIso() };
  await db.insertInto("projects").values(row).execute();
  return toProject(row);
}

/** The named project, created on first use (importing data into a new project creates it). */
export async function ensureProject(db: DB, name: string): Promise<{ project: Project; created: boolean }> {
  const existing = await findProjectByName(db, parseProjectName(name));
  if (existing) return { project: existing, created: false };
  return { project: await createProject(db, { name }), created: true };
}
