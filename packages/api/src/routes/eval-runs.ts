import { createRoute, z } from "@hono/zod-openapi";
import {
  assertCodeGradersAllowed,
  currentGraderSet,
  EvalSettings,
  getEvalRun,
  getProjectByName,
  itemTrials,
  MAX_MODEL_NAME,
  SampleQuery,
  samplePage,
} from "@tunelab/core";
import { SamplingParams } from "@tunelab/evals";
import { EvalRunBody, ItemTrialsList, SamplePage } from "../http/contracts/eval-runs.ts";
import { router } from "../http/router.ts";
import { errors, json, ProjectParams } from "../http/schemas.ts";
import type { ApiServices } from "../services.ts";

const RunParams = z.object({
  id: z
    .string()
    .regex(/^run_[a-z0-9]+$/, "an eval run id like run_…")
    .openapi({ param: { name: "id", in: "path" } }),
});
/**
 * The most tokens one completion of an eval run may ask for: 131,072 (128 Ki), above what any model answers in one
 * completion today; a larger figure is a typo, not a wish.
 */
export const MAX_COMPLETION_TOKENS = 131_072;
const CompletionTokens = z.number().int().positive().max(MAX_COMPLETION_TOKENS).optional();

/** Evals' sampling parameters, with the completion length bounded. */
const Sampling = z
  .object({ ...SamplingParams.shape, max_tokens: CompletionTokens, max_completion_tokens: CompletionTokens })
  .openapi("SamplingParams");

const NewRun = z
  .object({
    model: z.string().min(1).max(MAX_MODEL_NAME),
    /** `local` (the embedded engine), `openai`, or a provider named in tunelab.config.json. */
    provider: z.string().min(1).max(MAX_MODEL_NAME).default("local"),
    sampling: Sampling.optional(),
    /** Completions per item (1 to 100); with more than 1 and no sampling temperature, the run samples at temperature 1. */
    trials: EvalSettings.shape.trials.optional(),
    /**
     * Seconds each request of a model grader (score_model, label_model) may take before it is abandoned and retried,
     * above 0 and up to 3600 (default 60); recorded with the run, which keeps it when resumed.
     */
    graderTimeoutSeconds: EvalSettings.shape.graderTimeoutSeconds,
    /** Requests a model grader makes per grade, the first included, 1 to 10 (default 3). */
    graderAttempts: EvalSettings.shape.graderAttempts,
  })
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
        responses: { 201: json(EvalRunBody, "Created and started"), ...errors },
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
          evaluation: {
            ...(body.trials === undefined ? {} : { trials: body.trials }),
            ...(body.graderTimeoutSeconds === undefined ? {} : { graderTimeoutSeconds: body.graderTimeoutSeconds }),
            ...(body.graderAttempts === undefined ? {} : { graderAttempts: body.graderAttempts }),
          },
        });
        if (services.runsWork) void evalRuns.run(run.id);
        return c.json(run, 201);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/eval-runs/{id}",
        request: { params: RunParams },
        responses: { 200: json(EvalRunBody, "An eval run"), ...errors },
      }),
      async (c) => c.json(await getEvalRun(ws.db, c.req.valid("param").id), 200),
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/eval-runs/{id}/samples",
        request: {
          params: RunParams,
          // core's query schema, its shape copied into an object @hono/zod-openapi describes
          query: z.object(SampleQuery.shape),
        },
        responses: { 200: json(SamplePage, "A page of samples"), ...errors },
      }),
      async (c) => c.json(await samplePage(ws, c.req.valid("param").id, c.req.valid("query")), 200),
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/eval-runs/{id}/items",
        request: { params: RunParams },
        responses: { 200: json(ItemTrialsList, "Per item, over its trials: pass rate, mean score and variance per grader"), ...errors },
      }),
      async (c) => {
        const run = await getEvalRun(ws.db, c.req.valid("param").id);
        return c.json({ trials: run.trials, data: await itemTrials(ws.db, run.id) }, 200);
      },
    );
}
