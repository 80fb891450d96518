import { createRoute, z } from "@hono/zod-openapi";
import {
  assertCodeGradersAllowed,
  CreateExperiment,
  catalogOf,
  createExperiment,
  createSweep,
  deleteExperiment,
  EXPORT_DTYPE_NAMES,
  EXPORT_FORMATS,
  experimentMetrics,
  exportDtypeProblem,
  exportSource,
  FINISHED_EXPERIMENT,
  getExperiment,
  getProjectByName,
  limitSweep,
  listExperimentPage,
  localModelKind,
  MAX_PAGE_LIMIT,
  requestExperimentRun,
  SweepGrid,
  scoringSetup,
  TrainingSetup,
  TunelabError,
  trainingSetup,
} from "@tunelab/core";
import { Created, CreatedList, DeletedBody, ExperimentBody, ExperimentList, MetricList } from "../http/contracts/experiments.ts";
import { createdBy } from "../http/principal.ts";
import { router } from "../http/router.ts";
import { ErrorBody, errors, json, ProjectParams } from "../http/schemas.ts";
import type { ApiServices } from "../services.ts";
import { exportAsTar } from "./export-tar.ts";

const IdParams = z.object({
  id: z
    .string()
    .regex(/^[a-z]+_[a-z0-9]+$/, "an id like exp_…")
    .openapi({ param: { name: "id", in: "path" } }),
});

/** Core's experiment request without the project (it is in the path), plus whether to start it now. */
const NewExperiment = z
  .object({
    ...CreateExperiment.omit({ project: true }).shape,
    /** Start it right away (default true). */
    run: z.boolean().default(true),
  })
  .strict()
  .openapi("NewExperiment");

/** Core's sweep grid without the project: every hyperparameter (LoRA rank, beta, ...) can be a list. */
const Sweep = limitSweep(z.object(SweepGrid.shape).strict()).openapi("Sweep");

const ExportQuery = z
  .object({
    format: z.enum(EXPORT_FORMATS).openapi({
      description:
        "peft: the adapter as PEFT writes it; merged: a full Hugging Face checkpoint; gguf: one GGUF file for llama.cpp and Ollama; gguf-lora: the adapter as a GGUF file for llama.cpp's --lora",
    }),
    dtype: z.enum(EXPORT_DTYPE_NAMES).optional().openapi({
      description:
        "merged: f32 (exactly what tunelab serves, default), bf16 or f16; gguf: q8_0 (default), f16, f32 or q4_k_m (llama.cpp's Q4_K_M mix)",
    }),
  })
  .superRefine((query, ctx) => {
    const problem = exportDtypeProblem(query.format, query.dtype);
    if (problem) ctx.addIssue({ code: "custom", path: ["dtype"], message: problem });
  });

export function experimentRoutes(services: ApiServices, options: { allowCodeGraders: boolean }) {
  const { ws, experiments } = services;
  // what the embedded engine trains a model as: hyperparameters that do not apply to it are refused before storing
  const local = services.local;
  const modelKinds = {
    ...(local ? { localModelKind: (model: string) => localModelKind(local, model) } : {}),
    // an unknown provider, or a model the embedded engine does not have, is refused before anything is stored
    assertKnownModel: services.experimentServices.assertKnownModel,
  };
  /**
   * An experiment ends with an eval run: refused before anything is stored when the project has nothing to score it on
   * (no test split or no graders, as the CLI's `exp create` and `baseline` refuse) or when it would run code graders.
   */
  const assertMayScore = async (projectId: string) => {
    const { graderSet } = await scoringSetup(ws, projectId);
    assertCodeGradersAllowed(graderSet.graders, options.allowCodeGraders, "run");
  };
  const assertMayEvaluate = async (project: string) => assertMayScore((await getProjectByName(ws.db, project)).id);
  /** Runs it here, or (serve --no-worker) records the request for a `tunelab worker` to claim. */
  const startOrQueue = async (id: string) => {
    await requestExperimentRun(ws.db, id);
    if (services.runsWork) void experiments.run(id);
  };
  return router()
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project}/experiments",
        request: {
          params: ProjectParams,
          query: z.object({
            limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).optional().openapi({
              description: "Experiments of the page (default 1000, at most 10000); the body's `total` counts them all",
            }),
            offset: z.coerce.number().int().min(0).optional().openapi({
              description: "Experiments to skip, oldest first (a page's start; default 0)",
            }),
          }),
        },
        responses: { 200: json(ExperimentList, "One page of the project's experiments, oldest first"), ...errors },
      }),
      async (c) => {
        const { project } = c.req.valid("param");
        const { limit, offset } = c.req.valid("query");
        const page = await listExperimentPage(ws, {
          project,
          ...(limit !== undefined ? { limit } : {}),
          ...(offset !== undefined ? { offset } : {}),
        });
        return c.json({ data: page.experiments, total: page.total, offset: page.offset, limit: page.limit }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/projects/{project}/experiments",
        request: { params: ProjectParams, body: { content: { "application/json": { schema: NewExperiment } }, required: true } },
        responses: { 201: json(Created, "Created (and started)"), 200: json(Created, "An identical experiment exists"), ...errors },
      }),
      async (c) => {
        const { project } = c.req.valid("param");
        const { run, ...body } = c.req.valid("json");
        if (run) await assertMayEvaluate(project);
        const result = await createExperiment(ws, { ...body, project }, { ...createdBy(c), ...modelKinds });
        // asked to run: here, or by a `tunelab worker` (serve --no-worker), which claims only what was asked for
        if (run && result.created) await startOrQueue(result.experiment.id);
        return c.json(result, result.created ? 201 : 200);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/projects/{project}/sweeps",
        request: { params: ProjectParams, body: { content: { "application/json": { schema: Sweep } }, required: true } },
        responses: { 201: json(CreatedList, "One experiment per grid point"), ...errors },
      }),
      async (c) => {
        const { project } = c.req.valid("param");
        const sweep = c.req.valid("json");
        await assertMayEvaluate(project);
        const created = await createSweep(ws, { ...sweep, project }, { ...createdBy(c), ...modelKinds });
        for (const result of created) if (result.created) await startOrQueue(result.experiment.id);
        return c.json({ data: created }, 201);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/experiments/{id}",
        request: { params: IdParams },
        responses: { 200: json(ExperimentBody, "An experiment"), ...errors },
      }),
      async (c) => c.json(await getExperiment(ws.db, c.req.valid("param").id), 200),
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/experiments/{id}/metrics",
        request: { params: IdParams },
        responses: { 200: json(MetricList, "Loss and accuracy by step"), ...errors },
      }),
      async (c) => {
        const experiment = await getExperiment(ws.db, c.req.valid("param").id);
        return c.json({ data: await experimentMetrics(ws.db, experiment.id) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/experiments/{id}/setup",
        summary: "Base model, method, LoRA settings with the trainable-parameter count, and the export formats available",
        request: { params: IdParams },
        responses: { 200: json(z.object(TrainingSetup.shape).openapi("TrainingSetup"), "What the experiment trains"), ...errors },
      }),
      async (c) => {
        const experiment = await getExperiment(ws.db, c.req.valid("param").id);
        return c.json(await trainingSetup(experiment, catalogOf(services.local)), 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/experiments/{id}/export",
        summary: "Download the tuned open-weight model as a .tar: a PEFT adapter, a merged Hugging Face checkpoint or a GGUF file",
        request: { params: IdParams, query: ExportQuery },
        responses: {
          200: {
            content: { "application/x-tar": { schema: z.string().openapi({ format: "binary" }) } },
            description:
              "One folder NAME-FORMAT/ with the export's files (adapter_config.json + adapter_model.safetensors, a checkpoint, or model-DTYPE.gguf)",
          },
          ...errors,
          409: json(ErrorBody, "The experiment has no exportable tuned model (a baseline, a built-in size, or not trained yet)"),
        },
      }),
      async (c) => {
        const { format, dtype } = c.req.valid("query");
        const experiment = await getExperiment(ws.db, c.req.valid("param").id);
        const source = await exportSource(services.local, experiment, format);
        const tar = await exportAsTar({ ...source, format, ...(dtype ? { dtype } : {}), signal: c.req.raw.signal });
        return new Response(tar.body, {
          status: 200,
          headers: {
            "content-type": "application/x-tar",
            "content-disposition": `attachment; filename="${tar.fileName}"`,
            "cache-control": "no-store",
            ...(tar.bytes === null ? {} : { "content-length": String(tar.bytes) }),
          },
        });
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/experiments/{id}/run",
        summary: "Run (or resume) an experiment created without running, as the CLI's exp run does",
        request: { params: IdParams },
        responses: { 202: json(ExperimentBody, "Queued: progress arrives on /api/events"), ...errors, 409: errors[400] },
      }),
      async (c) => {
        const experiment = await getExperiment(ws.db, c.req.valid("param").id);
        if (FINISHED_EXPERIMENT.has(experiment.status))
          throw new TunelabError(
            "conflict",
            // an identical experiment that did not end cancelled is returned as it is when created again, unless forced
            `experiment ${experiment.id} already ${experiment.status}; to run the same setup again, create it again${experiment.status === "cancelled" ? "" : ' with "force": true (without it, this experiment is returned as it is)'}`,
          );
        await assertMayScore(experiment.projectId);
        // without a local worker (serve --no-worker) the stored experiment stays queued: a `tunelab worker` claims it
        await startOrQueue(experiment.id);
        return c.json(experiment, 202);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/experiments/{id}/cancel",
        request: { params: IdParams },
        responses: { 200: json(ExperimentBody, "Cancelled"), ...errors, 409: errors[400] },
      }),
      async (c) => c.json(await experiments.cancel(c.req.valid("param").id), 200),
    )
    .openapi(
      createRoute({
        method: "delete",
        path: "/experiments/{id}",
        summary:
          "Delete a finished (or never-run) experiment with its training metrics and eval runs; the tuned model stays with its provider",
        request: { params: IdParams },
        responses: {
          200: json(DeletedBody, "Deleted: it no longer shows in lists or on the leaderboard"),
          ...errors,
          409: json(ErrorBody, "The experiment started and has not finished: cancel it first"),
        },
      }),
      async (c) => {
        // every open page hears of it (as of a status change), so leaderboards refresh
        const deleted = await deleteExperiment(ws, c.req.valid("param").id, { onEvent: (event) => services.events.publish(event) });
        return c.json(deleted, 200);
      },
    );
}
