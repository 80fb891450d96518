import { createRoute, z } from "@hono/zod-openapi";
import { createProject, getProjectByName, listDatasets, listProjects, type Workspace } from "@tunelab/core";
import { ProjectBody, ProjectDetail, ProjectList } from "../http/contracts/projects.ts";
import { router } from "../http/router.ts";
import { errors, json, Name, ProjectParams } from "../http/schemas.ts";

const CreateProject = z
  .object({ name: Name, description: z.string().max(2_000).optional() })
  .strict()
  .openapi("CreateProject");

export function projectRoutes(ws: Workspace) {
  return router()
    .openapi(
      createRoute({ method: "get", path: "/projects", responses: { 200: json(ProjectList, "Projects with dataset counts") } }),
      async (c) => {
        const projects = await listProjects(ws.db);
        const data = await Promise.all(projects.map(async (p) => ({ ...p, datasets: (await listDatasets(ws.db, p.id)).length })));
        return c.json({ data }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/projects",
        request: { body: { content: { "application/json": { schema: CreateProject } }, required: true } },
        responses: { 201: json(ProjectBody, "The new project"), ...errors, 409: errors[400] },
      }),
      async (c) => {
        const body = c.req.valid("json");
        const project = await createProject(ws.db, {
          name: body.name,
          ...(body.description === undefined ? {} : { description: body.description }),
        });
        return c.json(project, 201);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project}",
        request: { params: ProjectParams },
        responses: { 200: json(ProjectDetail, "A project and its datasets"), ...errors },
      }),
      async (c) => {
        const project = await getProjectByName(ws.db, c.req.valid("param").project);
        return c.json({ ...project, datasets: await listDatasets(ws.db, project.id) }, 200);
      },
    );
}
