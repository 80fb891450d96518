import { createRoute, z } from "@hono/zod-openapi";
import { currentGraderSet, getEvalRun, getProjectByName, pageSamples } from "@tunelab/core";
import { SamplingParams } from "@tunelab/evals";
import { assertCodeGradersAllowed } from "../http/code-graders.ts";
import { router } from "../http/router.ts";
import { AnyJson, errors, json, ProjectParams } from "../http/schemas.ts";
import type { ApiServices } from "../services.ts";

const RunParams = z.object({
  id: z
    .string()
    .regex(/^run_[a-z0-9]+$/, "an eval run id like run_…")
    .openapi({ param: { name: "id", in: "path" } }),
});
const NewRun = z
  .object({ model: z.string().min(1), provider: z.string().default("local"), sampling: SamplingParams.optional() })
  .strict()
  .openapi("NewEvalRun");

export function evalRunRoutes(services: ApiServices, options: { allowCodeGraders: boolean }) {
  const { ws, evalRuns } = services;
  return router()
    .openapi(
      createRoute({
        method: "post",
        path: "/projects/{project}/eval-runs",
        request: { params: ProjectParams, body: { content: { "application/json": { schema: NewRun } }, required: true } },
        responses: { 201: json(AnyJson, "Created and started"), ...errors },
      }),
      async (c) => {
        const { project } = c.req.valid("param");
        const body = c.req.valid("json");
        const { id: projectId } = await getProjectByName(ws.db, project);
        // python and custom graders run code: only when the server opted in (checked before anything is stored)
        assertCodeGradersAllowed((await currentGraderSet(ws.db, projectId))?.graders ?? [], options.allowCodeGraders, "run");
        const run = await evalRuns.create({
          project,
          model: body.model,
          provider: body.provider,
          ...(body.sampling ? { samplingParams: body.sampling } : {}),
        });
        void evalRuns.run(run.id);
        return c.json(run, 201);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/eval-runs/{id}",
        request: { params: RunParams },
        responses: { 200: json(AnyJson, "An eval run"), ...errors },
      }),
      async (c) => c.json(await getEvalRun(ws.db, c.req.valid("param").id), 200),
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/eval-runs/{id}/samples",
        request: {
          params: RunParams,
          query: z.object({
            status: z.enum(["passed", "failed", "errored"]).optional(),
            tag: z.string().max(100).optional(),
            offset: z.coerce.number().int().min(0).default(0),
            limit: z.coerce.number().int().min(1).max(500).default(50),
          }),
        },
        responses: { 200: json(AnyJson, "A page of samples"), ...errors },
      }),
      async (c) => {
        const run = await getEvalRun(ws.db, c.req.valid("param").id);
        const q = c.req.valid("query");
        const page = await pageSamples(ws.db, run.id, {
          offset: q.offset,
          limit: q.limit,
          ...(q.status ? { status: q.status } : {}),
          ...(q.tag ? { tag: q.tag } : {}),
        });
        const data = page.data.map((s) => ({
          itemId: s.item_id,
          position: s.position,
          status: s.status,
          output: s.output_text,
          error: s.error ? JSON.parse(s.error) : null,
          grades: JSON.parse(s.grades_json),
          tags: JSON.parse(s.tags_json),
        }));
        return c.json({ total: page.total, offset: q.offset, limit: q.limit, data }, 200);
      },
    );
}
