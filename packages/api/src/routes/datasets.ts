import { createRoute, z } from "@hono/zod-openapi";
import {
  diffVersions,
  Encoding,
  type FetchImageOptions,
  getProjectByName,
  getVersionByRef,
  importDataset,
  listDatasets,
  listVersions,
  loadVersionText,
  setTestSplit,
  TEST_SPLIT_NAME,
  TestItemQuery,
  TestSplitPageQuery,
  testItemPage,
  testPromptPage,
  type Workspace,
} from "@tunelab/core";
import type { Context } from "hono";
import { DatasetList, Diff, Imported, Invalid, ItemPage, PromptPage, SplitSet, Version, VersionList } from "../http/contracts/datasets.ts";
import { apiError } from "../http/errors.ts";
import { createdBy } from "../http/principal.ts";
import { router } from "../http/router.ts";
import { errors, json, Name, ProjectParams } from "../http/schemas.ts";

const DatasetParams = ProjectParams.extend({ dataset: Name.openapi({ param: { name: "dataset", in: "path" } }) });
const VersionParams = DatasetParams.extend({
  version: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: "version", in: "path" } }),
});
const jsonlBody = {
  content: { "application/x-ndjson": { schema: z.string().openapi({ description: "OpenAI fine-tuning JSONL" }) } },
  required: true,
};
const invalid = { 422: json(Invalid, "The file has errors; nothing was written. Body: {error: {details: report}}") };

/** The 422 `invalid` declares: how many errors the file has, its whole report as details; nothing was written. */
const fileRejected = <R extends { errors: number }>(c: Context, report: R) =>
  apiError(c, 422, "validation_failed", `${report.errors} error(s) in the file; nothing was written`, report);

/** `imageFetch`: how uploads' http(s) images are fetched (a server fetches public addresses only, unless told). */
export function datasetRoutes(ws: Workspace, options: { imageFetch: FetchImageOptions }) {
  return router()
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project}/datasets",
        request: { params: ProjectParams },
        responses: { 200: json(DatasetList, "Datasets and versions"), ...errors },
      }),
      async (c) => {
        const project = await getProjectByName(ws.db, c.req.valid("param").project);
        const datasets = await listDatasets(ws.db, project.id);
        const data = await Promise.all(datasets.map(async (d) => ({ ...d, versions: await listVersions(ws.db, d.id) })));
        return c.json({ data }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/projects/{project}/datasets/{dataset}/versions",
        request: {
          params: DatasetParams,
          query: z.object({
            message: z.string().max(500).optional(),
            filename: z.string().max(200).optional(),
            /** As `tunelab data import --encoding` and `--context`: the tokenizer of the token counts, the per-example limit. */
            encoding: z.enum(Encoding.options).optional(),
            context: z.coerce.number().int().min(1).max(10_000_000).optional(),
          }),
          body: jsonlBody,
        },
        responses: {
          201: json(Imported, "The stored version"),
          200: json(Imported, "Identical content: the existing version"),
          ...errors,
          ...invalid,
        },
      }),
      async (c) => {
        const { project, dataset } = c.req.valid("param");
        const { message, filename, encoding, context } = c.req.valid("query");
        const result = await importDataset(ws, {
          project,
          dataset,
          bytes: new Uint8Array(await c.req.arrayBuffer()),
          fileName: filename ?? `${dataset}.jsonl`,
          ...(message ? { message } : {}),
          ...(encoding ? { encoding } : {}),
          ...(context === undefined ? {} : { contextLimit: context }),
          imageFetch: options.imageFetch,
          ...createdBy(c),
        });
        if (result.status === "invalid") return fileRejected(c, result.report);
        return c.json(result, result.status === "created" ? 201 : 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project}/datasets/{dataset}/versions/{version}",
        request: { params: VersionParams },
        responses: { 200: json(Version, "A version"), ...errors },
      }),
      async (c) => {
        const { project, dataset, version } = c.req.valid("param");
        return c.json(await versionOf(ws, project, dataset, version), 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project}/datasets/{dataset}/versions/{version}/content",
        request: { params: VersionParams },
        responses: {
          200: { content: { "text/plain": { schema: z.string() } }, description: "Canonical JSONL (served as application/x-ndjson)" },
          ...errors,
        },
      }),
      async (c) => {
        const { project, dataset, version } = c.req.valid("param");
        const text = await loadVersionText(ws, await versionOf(ws, project, dataset, version));
        return c.text(text, 200, { "content-type": "application/x-ndjson" });
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project}/datasets/{dataset}/diff",
        request: {
          params: DatasetParams,
          query: z.object({ from: z.coerce.number().int().positive(), to: z.coerce.number().int().positive() }),
        },
        responses: { 200: json(Diff, "Examples added and removed"), ...errors },
      }),
      async (c) => {
        const { project, dataset } = c.req.valid("param");
        const { from, to } = c.req.valid("query");
        const [a, b] = [await versionOf(ws, project, dataset, from), await versionOf(ws, project, dataset, to)];
        return c.json(await diffVersions(ws, a, b), 200);
      },
    )
    .openapi(
      createRoute({
        method: "put",
        path: "/projects/{project}/test-split",
        request: {
          params: ProjectParams,
          query: z.object({
            fraction: z.coerce.number().gt(0).lt(1).optional(),
            seed: z.coerce.number().int().optional(),
            dataset: Name.optional(),
            message: z.string().max(500).optional(),
            filename: z.string().max(200).optional(),
          }),
          body: jsonlBody,
        },
        responses: { 201: json(SplitSet, "The new test split version"), 200: json(SplitSet, "Unchanged"), ...errors, ...invalid },
      }),
      async (c) => {
        const { project } = c.req.valid("param");
        const q = c.req.valid("query");
        const result = await setTestSplit(ws, {
          project,
          bytes: new Uint8Array(await c.req.arrayBuffer()),
          fileName: q.filename ?? "test.jsonl",
          ...(q.fraction === undefined ? {} : { testFraction: q.fraction, trainDataset: q.dataset ?? "train" }),
          ...(q.seed === undefined ? {} : { seed: q.seed }),
          ...(q.message ? { message: q.message } : {}),
          imageFetch: options.imageFetch,
          ...createdBy(c),
        });
        if (result.status === "invalid") return fileRejected(c, result.report);
        return c.json(result, result.status === "created" ? 201 : 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project}/test-split",
        request: { params: ProjectParams },
        responses: { 200: json(VersionList, "Test split versions"), ...errors },
      }),
      async (c) => {
        const p = await getProjectByName(ws.db, c.req.valid("param").project);
        const dataset = (await listDatasets(ws.db, p.id)).find((d) => d.name === TEST_SPLIT_NAME);
        return c.json({ data: dataset ? await listVersions(ws.db, dataset.id) : [] }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project}/test-split/items",
        request: {
          params: ProjectParams,
          query: z.object(TestItemQuery.shape),
        },
        responses: {
          200: json(ItemPage, "Test items as graders see them (built as the eval runner builds them), a page at a time"),
          ...errors,
        },
      }),
      async (c) => c.json(await testItemPage(ws, c.req.valid("param").project, c.req.valid("query")), 200),
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project}/test-split/prompts",
        summary: "Test split lines split at their last assistant message (as the eval runner splits them): prompt and reference",
        request: {
          params: ProjectParams,
          query: z.object(TestSplitPageQuery.shape),
        },
        responses: { 200: json(PromptPage, "A page of the test split's lines with their prompt and reference"), ...errors },
      }),
      async (c) => c.json(await testPromptPage(ws, c.req.valid("param").project, c.req.valid("query")), 200),
    );
}

/** `dataset@version` of a project, with the not-found errors of the repositories. */
async function versionOf(ws: Workspace, project: string, dataset: string, version: number) {
  const p = await getProjectByName(ws.db, project);
  return getVersionByRef(ws.db, p.id, `${dataset}@${version}`);
}
