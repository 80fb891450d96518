import { createRoute, z } from "@hono/zod-openapi";
import {
  createExperiment,
  currentGraderSet,
  experimentMetrics,
  getExperiment,
  getProjectByName,
  listExperiments,
  RequestedHyperparameters,
} from "@tunelab/core";
import { assertCodeGradersAllowed } from "../http/code-graders.ts";
import { router } from "../http/router.ts";
import { AnyJson, errors, json, ProjectParams } from "../http/schemas.ts";
import type { ApiServices } from "../services.ts";

const IdParams = z.object({
  id: z
    .string()
    .regex(/^[a-z]+_[a-z0-9]+$/, "an id like exp_…")
    .openapi({ param: { name: "id", in: "path" } }),
});

const NewExperiment = z
  .object({
    dataset: z.string().optional(),
    validation: z.string().optional(),
    model: z.string().min(1),
    provider: z.string().default("local"),
    method: z.enum(["supervised", "none"]).default("supervised"),
    hyperparameters: RequestedHyperparameters.optional(),
    seed: z.number().int().min(0).optional(),
    suffix: z.string().max(40).optional(),
    name: z.string().max(120).optional(),
    notes: z.string().max(5_000).optional(),
    force: z.boolean().optional(),
    /** Start it right away (default true). */
    run: z.boolean().default(true),
  })
  .strict()
  .openapi("NewExperiment");

const Sweep = z
  .object({
    datasets: z.array(z.string()).min(1),
    model: z.string().min(1),
    provider: z.string().default("local"),
    n_epochs: z.array(z.union([z.literal("auto"), z.number().int().min(1).max(50)])).default(["auto"]),
    learning_rate_multiplier: z.array(z.union([z.literal("auto"), z.number().positive().max(100)])).default(["auto"]),
    batch_size: z.array(z.union([z.literal("auto"), z.number().int().min(1).max(256)])).default(["auto"]),
    /** The local engine's extension; left out of the requests when absent (other hosts refuse it). */
    prompt_loss_weight: z.array(RequestedHyperparameters.shape.prompt_loss_weight.unwrap()).min(1).optional(),
    seed: z.number().int().min(0).optional(),
  })
  .strict()
  .refine(
    (s) =>
      s.datasets.length *
        s.n_epochs.length *
        s.learning_rate_multiplier.length *
        s.batch_size.length *
        (s.prompt_loss_weight?.length ?? 1) <=
      200,
    "a sweep may have at most 200 points",
  )
  .openapi("Sweep");

export function experimentRoutes(services: ApiServices, options: { allowCodeGraders: boolean }) {
  const { ws, experiments } = services;
  /** An experiment ends with an eval run: refused before anything is stored when it would run code graders. */
  const assertMayEvaluate = async (project: string) => {
    const { id } = await getProjectByName(ws.db, project);
    assertCodeGradersAllowed((await currentGraderSet(ws.db, id))?.graders ?? [], options.allowCodeGraders, "run");
  };
  return router()
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project}/experiments",
        request: { params: ProjectParams },
        responses: { 200: json(AnyJson, "Experiments"), ...errors },
      }),
      async (c) => {
        const project = await getProjectByName(ws.db, c.req.valid("param").project);
        return c.json({ data: await listExperiments(ws.db, project.id) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/projects/{project}/experiments",
        request: { params: ProjectParams, body: { content: { "application/json": { schema: NewExperiment } }, required: true } },
        responses: { 201: json(AnyJson, "Created (and started)"), 200: json(AnyJson, "An identical experiment exists"), ...errors },
      }),
      async (c) => {
        const { project } = c.req.valid("param");
        const { run, ...body } = c.req.valid("json");
        if (run) await assertMayEvaluate(project);
        const result = await createExperiment(ws, { ...body, project });
        if (run && result.created) void experiments.run(result.experiment.id);
        return c.json(result, result.created ? 201 : 200);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/projects/{project}/sweeps",
        request: { params: ProjectParams, body: { content: { "application/json": { schema: Sweep } }, required: true } },
        responses: { 201: json(AnyJson, "One experiment per grid point"), ...errors },
      }),
      async (c) => {
        const { project } = c.req.valid("param");
        const sweep = c.req.valid("json");
        await assertMayEvaluate(project);
        const created = [];
        for (const dataset of sweep.datasets)
          for (const n_epochs of sweep.n_epochs)
            for (const learning_rate_multiplier of sweep.learning_rate_multiplier)
              for (const batch_size of sweep.batch_size)
                for (const prompt_loss_weight of sweep.prompt_loss_weight ?? [undefined]) {
                  const result = await createExperiment(ws, {
                    project,
                    dataset,
                    model: sweep.model,
                    provider: sweep.provider,
                    hyperparameters: {
                      n_epochs,
                      learning_rate_multiplier,
                      batch_size,
                      ...(prompt_loss_weight === undefined ? {} : { prompt_loss_weight }),
                    },
                    ...(sweep.seed === undefined ? {} : { seed: sweep.seed }),
                  });
                  if (result.created) void experiments.run(result.experiment.id);
                  created.push(result);
                }
        return c.json({ data: created }, 201);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/experiments/{id}",
        request: { params: IdParams },
        responses: { 200: json(AnyJson, "An experiment"), ...errors },
      }),
      async (c) => c.json(await getExperiment(ws.db, c.req.valid("param").id), 200),
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/experiments/{id}/metrics",
        request: { params: IdParams },
        responses: { 200: json(AnyJson, "Loss and accuracy by step"), ...errors },
      }),
      async (c) => {
        const experiment = await getExperiment(ws.db, c.req.valid("param").id);
        return c.json({ data: await experimentMetrics(ws.db, experiment.id) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/experiments/{id}/cancel",
        request: { params: IdParams },
        responses: { 200: json(AnyJson, "Cancelled"), ...errors, 409: errors[400] },
      }),
      async (c) => c.json(await experiments.cancel(c.req.valid("param").id), 200),
    );
}
