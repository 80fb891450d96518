import { createProject, getProjectByName, listDatasets, listProjects, resolveHome } from "@tunelab/core";
import type { Command } from "commander";
import { withWorkspace } from "../context.ts";
import { color, emit, type GlobalOptions, table } from "../output.ts";

export function registerInit(program: Command, globals: () => GlobalOptions): void {
  program
    .command("init")
    .description("create the tunelab home (.tunelab/ here, or $TUNELAB_HOME) and optionally a project")
    .option("-p, --project <name>", "also create this project")
    .action(async (options: { project?: string }) => {
      await withWorkspace(async (ws) => {
        const project = options.project ? await createProject(ws.db, { name: options.project }) : undefined;
        emit(
          globals(),
          { home: resolveHome(), project },
          () => `✔ tunelab home at ${resolveHome()}${project ? `, project ${color.bold(project.name)} created` : ""}`,
        );
      });
    });
}

export function registerProject(program: Command, globals: () => GlobalOptions): void {
  const project = program.command("project").description("projects: one task being tuned each");
  project
    .command("list")
    .description("all projects")
    .action(async () => {
      await withWorkspace(async (ws) => {
        const projects = await listProjects(ws.db);
        emit(globals(), projects, () =>
          projects.length === 0
            ? "no projects yet: `tunelab project create NAME`"
            : table(
                ["project", "created", "description"],
                projects.map((p) => [color.bold(p.name), p.createdAt.slice(0, 10), p.description]),
              ),
        );
      });
    });
  project
    .command("create")
    .description("create a project")
    .argument("<name>", "e.g. ticket-router")
    .option("--description <text>", "what the task is")
    .action(async (name: string, options: { description?: string }) => {
      await withWorkspace(async (ws) => {
        const created = await createProject(ws.db, {
          name,
          ...(options.description === undefined ? {} : { description: options.description }),
        });
        emit(globals(), created, () => color.green(`✔ project ${color.bold(created.name)} created`));
      });
    });
  project
    .command("show")
    .description("a project and its datasets")
    .argument("<name>")
    .action(async (name: string) => {
      await withWorkspace(async (ws) => {
        const found = await getProjectByName(ws.db, name);
        const datasets = await listDatasets(ws.db, found.id);
        emit(
          globals(),
          { ...found, datasets },
          () =>
            `${color.bold(found.name)} (created ${found.createdAt.slice(0, 10)})${found.description ? `\n${found.description}` : ""}\ndatasets: ${datasets.map((d) => `${d.name} (${d.role})`).join(", ") || "none"}`,
        );
      });
    });
}
