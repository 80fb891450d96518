import { createRoute, z } from "@hono/zod-openapi";
import {
  CURVE_AXES,
  compare,
  LEADERBOARD_COLUMNS,
  LeaderboardQuery,
  leaderboard,
  MAX_PAGE_LIMIT,
  type PriceOf,
  projectCurves,
  TunelabError,
  type Workspace,
} from "@tunelab/core";
import { ComparisonBody, CurvesBody, LeaderboardBody } from "../http/contracts/leaderboard.ts";
import { router } from "../http/router.ts";
import { errors, json, ProjectParams } from "../http/schemas.ts";

export function leaderboardRoutes(ws: Workspace, prices: PriceOf = () => undefined) {
  return router()
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project}/leaderboard",
        request: {
          params: ProjectParams,
          query: z.object({
            split: LeaderboardQuery.shape.split.meta({
              description:
                "The board of this test split version: test@N, or just N (default: the current split's). An older split's board ranks the experiments scored on it; an unknown version is a 404 naming the project's versions",
              example: "test@1",
            }),
            graders: LeaderboardQuery.shape.graders.meta({
              description:
                "The board of this grader set version: graders@N, or just N (default: the current grader set's). An older grader set's board ranks the experiments scored with it (on the current test split, or split's); an unknown version is a 404 naming the project's grader sets",
              example: "graders@1",
            }),
            sort: z.enum(LEADERBOARD_COLUMNS).optional(),
            order: z.enum(["asc", "desc"]).optional(),
            dataset: LeaderboardQuery.shape.dataset,
            model: z.string().max(200).optional(),
            method: LeaderboardQuery.shape.method,
            status: LeaderboardQuery.shape.status,
            limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).optional(),
            /** Rows of the sorted board to skip (a page's start); the body's `total` counts them all. */
            offset: z.coerce.number().int().min(0).optional(),
          }),
        },
        responses: { 200: json(LeaderboardBody, "Ranked experiments with 95% intervals, sorted as asked"), ...errors },
      }),
      async (c) => {
        const { project } = c.req.valid("param");
        const q = c.req.valid("query");
        const board = await leaderboard(
          ws,
          {
            project,
            ...(q.split ? { split: q.split } : {}),
            ...(q.graders ? { graders: q.graders } : {}),
            ...(q.sort ? { sort: q.sort } : {}),
            ...(q.order ? { order: q.order } : {}),
            ...(q.dataset ? { dataset: q.dataset } : {}),
            ...(q.model ? { model: q.model } : {}),
            ...(q.method ? { method: q.method } : {}),
            ...(q.status ? { status: q.status } : {}),
            ...(q.limit ? { limit: q.limit } : {}),
            ...(q.offset ? { offset: q.offset } : {}),
          },
          prices,
        );
        return c.json(board, 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project}/curves",
        request: {
          params: ProjectParams,
          query: z.object({
            /** The x axis: the dataset versions' training examples (default), or the trained tokens the providers reported. */
            x: z.enum(CURVE_AXES).optional(),
            /** Training-set sizes to project to, in the x axis's unit, comma-separated (default: twice the largest). */
            at: z
              .string()
              .max(200)
              .regex(/^[0-9]+(\.[0-9]+)?(,[0-9]+(\.[0-9]+)?)*$/, "comma-separated positive numbers, e.g. 1000,2000")
              .optional(),
            resamples: z.coerce.number().int().min(100).max(5_000).optional(),
            split: LeaderboardQuery.shape.split.meta({
              description:
                "The curves of the experiments scored on this test split version, as the leaderboard's `split`: test@N, or just N (default: the current split). An unknown version is a 404 naming the project's versions",
              example: "test@1",
            }),
            graders: LeaderboardQuery.shape.graders.meta({
              description:
                "The curves of the experiments scored with this grader set version (its primary metric), as the leaderboard's `graders`: graders@N, or just N (default: the current grader set). An unknown version is a 404 naming the project's grader sets",
              example: "graders@1",
            }),
          }),
        },
        responses: {
          200: json(
            CurvesBody,
            "Learning curves: experiments that differ only in data, the fitted power law, projections with 95% intervals",
          ),
          ...errors,
        },
      }),
      async (c) => {
        const { project } = c.req.valid("param");
        const q = c.req.valid("query");
        const at = q.at?.split(",").map(Number);
        if (at?.some((n) => !(n > 0))) throw new TunelabError("invalid_argument", "at: training-set sizes must be > 0");
        return c.json(
          await projectCurves(ws, project, {
            ...(q.x ? { x: q.x } : {}),
            ...(at ? { at } : {}),
            ...(q.resamples ? { resamples: q.resamples } : {}),
            ...(q.split ? { split: q.split } : {}),
            ...(q.graders ? { graders: q.graders } : {}),
          }),
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/compare",
        request: { query: z.object({ a: z.string().min(1).max(80), b: z.string().min(1).max(80) }) },
        responses: {
          200: json(
            ComparisonBody,
            "Per-grader paired deltas, per-tag breakdown on the primary metric, moved and both-failed items, setup differences",
          ),
          ...errors,
          409: errors[400],
        },
      }),
      async (c) => {
        const { a, b } = c.req.valid("query");
        return c.json(await compare(ws, a, b), 200);
      },
    );
}
