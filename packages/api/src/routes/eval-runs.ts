import { createRoute, z } from "@hono/zod-openapi";
import {
  assertCodeGradersAllowed,
  currentGraderSet,
  EvalSettings,
  getEvalRun,
  getProjectByName,
  itemTrials,
  pageSamples,
  testItems,
} from "@tunelab/core";
import { type Grade, SamplingParams } from "@tunelab/evals";
import { EvalRunBody, ItemTrialsList, SamplePage } from "../http/contracts/eval-runs.ts";
import { router } from "../http/router.ts";
import { errors, json, ProjectParams } from "../http/schemas.ts";
import { promptText } from "../http/test-prompts.ts";
import type { ApiServices } from "../services.ts";

const RunParams = z.object({
  id: z
    .string()
    .regex(/^run_[a-z0-9]+$/, "an eval run id like run_…")
    .openapi({ param: { name: "id", in: "path" } }),
});
const NewRun = z
  .object({
    model: z.string().min(1),
    provider: z.string().default("local"),
    sampling: SamplingParams.optional(),
    /** Completions per item (1 to 100); with more than 1 and no sampling temperature, the run samples at temperature 1. */
    trials: EvalSettings.shape.trials.optional(),
  })
  .strict()
  .openapi("NewEvalRun");

const STATUS_ORDER: Record<string, number> = { passed: 0, failed: 1, errored: 2 };

/** Samples by status or by one grader's score (unscored last either way), ties in test split order. */
function sortSamples<S extends { position: number; status: string; grades_json: string }>(
  samples: S[],
  sort: string,
  order: "asc" | "desc",
): S[] {
  const grader = sort.startsWith("grader:") ? sort.slice("grader:".length) : undefined;
  const key = (s: S): number | null => {
    if (sort === "status") return STATUS_ORDER[s.status] ?? 3;
    if (grader === undefined) return s.position;
    const score = (JSON.parse(s.grades_json) as Record<string, { score?: unknown }>)[grader]?.score;
    return typeof score === "number" && Number.isFinite(score) ? score : null;
  };
  const direction = order === "asc" ? 1 : -1;
  return samples
    .map((s) => ({ s, k: key(s) }))
    .sort((a, b) => {
      if (a.k === b.k) return a.s.position - b.s.position;
      if (a.k === null) return 1;
      if (b.k === null) return -1;
      return (a.k - b.k) * direction;
    })
    .map(({ s }) => s);
}

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
          ...(body.trials === undefined ? {} : { evaluation: { trials: body.trials } }),
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
          query: z.object({
            status: z.enum(["passed", "failed", "errored"]).optional(),
            tag: z.string().max(100).optional(),
            offset: z.coerce.number().int().min(0).default(0),
            limit: z.coerce.number().int().min(1).max(500).default(50),
            /** `item` (test split order, the default), `status`, or `grader:NAME` (that grader's score). */
            sort: z.union([z.enum(["item", "status"]), z.string().regex(/^grader:.{1,100}$/)]).default("item"),
            order: z.enum(["asc", "desc"]).default("asc"),
            /** Only samples whose item id, output, prompt, reference or tags contain this text (any case). */
            q: z.string().max(200).optional(),
          }),
        },
        responses: { 200: json(SamplePage, "A page of samples"), ...errors },
      }),
      async (c) => {
        const run = await getEvalRun(ws.db, c.req.valid("param").id);
        const q = c.req.valid("query");
        const needle = q.q?.trim().toLowerCase();
        // another order than the test split's, or a search: every sample of the filter, sorted here, then the page
        const whole = q.sort !== "item" || q.order === "desc" || Boolean(needle);
        const page = await pageSamples(ws.db, run.id, {
          offset: whole ? 0 : q.offset,
          limit: whole ? 2_147_483_647 : q.limit,
          ...(q.status ? { status: q.status } : {}),
          ...(q.tag ? { tag: q.tag } : {}),
        });
        // each item's prompt and reference, split at its last assistant message as the eval runner splits it
        const items = await testItems(ws, run.testSplitVersionId);
        let rows = page.data.map((s) => {
          const item = items[s.position];
          return {
            itemId: s.item_id,
            trial: s.trial,
            position: s.position,
            status: s.status as "passed" | "failed" | "errored",
            output: s.output_text,
            error: s.error ? (JSON.parse(s.error) as { type?: string; message?: string }) : null,
            grades: JSON.parse(s.grades_json) as Record<string, Grade>,
            tags: JSON.parse(s.tags_json) as string[],
            prompt: promptText(item),
            reference: item?.reference ?? null,
            grades_json: s.grades_json,
          };
        });
        if (needle)
          rows = rows.filter((r) =>
            [r.itemId, r.output ?? "", r.prompt, r.reference ?? "", ...r.tags].some((t) => t.toLowerCase().includes(needle)),
          );
        const total = whole ? rows.length : page.total;
        if (whole) rows = sortSamples(rows, q.sort, q.order).slice(q.offset, q.offset + q.limit);
        const data = rows.map(({ grades_json: _, ...row }) => row);
        return c.json({ total, offset: q.offset, limit: q.limit, data }, 200);
      },
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
