import { TunelabError } from "@tunelab/base";
import { type EvalItem, textOf, toEvalItem } from "@tunelab/evals";
import type { z } from "zod";
import { promptText } from "../eval-runs/sample-page.ts";
import { testItems } from "../eval-runs/test-items.ts";
import { getProjectByName } from "../projects/project.repository.ts";
import type { Workspace } from "../storage/workspace.ts";
import { getVersionByRef, listDatasets, listVersions } from "./dataset.repository.ts";
import { type DatasetVersion, TEST_SPLIT_NAME } from "./dataset.schema.ts";
import { type TestItemPage, TestItemQuery, type TestPromptPage, TestSplitPageQuery } from "./test-split-pages.schema.ts";
import { loadVersionLines } from "./version-content.ts";

/** A project's test split version: the one numbered, else the latest (not found when the project has none). */
export async function testSplitVersion(ws: Workspace, project: string, version: number | undefined): Promise<DatasetVersion> {
  const p = await getProjectByName(ws.db, project);
  const dataset = (await listDatasets(ws.db, p.id)).find((d) => d.name === TEST_SPLIT_NAME);
  const latest = dataset && version === undefined ? (await listVersions(ws.db, dataset.id)).at(-1) : undefined;
  return latest ?? getVersionByRef(ws.db, p.id, `${TEST_SPLIT_NAME}@${version ?? 1}`);
}

function parseQuery<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new TunelabError("invalid_argument", `test split query: ${issue?.path.join(".") || "query"}: ${issue?.message}`);
}

/** A page of the test split's items as graders see them (built as the eval runner builds them), optionally searched. */
export async function testItemPage(ws: Workspace, project: string, query: TestItemQuery = {}): Promise<TestItemPage> {
  const { version, offset, limit, q } = parseQuery(TestItemQuery, query);
  const split = await testSplitVersion(ws, project, version);
  let items = await testItems(ws, split.id);
  const needle = q?.trim().toLowerCase();
  if (needle) {
    const text = (item: EvalItem) =>
      [item.id, ...item.input.messages.filter((m) => m.role !== "system").map((m) => textOf(m.content)), item.reference ?? "", ...item.tags]
        .join("\n")
        .toLowerCase();
    items = items.filter((item) => text(item).includes(needle));
  }
  return { version: split.ref, total: items.length, offset, limit, data: items.slice(offset, offset + limit) };
}

/** A page of the test split's lines with each one's prompt and reference (split at its last assistant message). */
export async function testPromptPage(ws: Workspace, project: string, query: TestSplitPageQuery = {}): Promise<TestPromptPage> {
  const { version, offset, limit } = parseQuery(TestSplitPageQuery, query);
  const split = await testSplitVersion(ws, project, version);
  const lines = await loadVersionLines(ws, split);
  const data = lines.slice(offset, offset + limit).map((text, i) => {
    const position = offset + i;
    const line = JSON.parse(text) as Record<string, unknown>;
    const item = toEvalItem(line, position);
    return { position, id: item.id, prompt: promptText(item), reference: item.reference ?? null, tags: item.tags, line };
  });
  return { version: split.ref, total: lines.length, offset, limit, data };
}
