import { TunelabError } from "@tunelab/base";
import { type EvalItem, type Grade, shownAnswer, textOf } from "@tunelab/evals";
import type { Workspace } from "../storage/workspace.ts";
import { getEvalRun, pageSamples, sampleOutput, sampleTools } from "./eval-run.repository.ts";
import { SamplePage, SampleQuery, type SampleStatus, type SampleView } from "./sample-page.schema.ts";
import { testItems } from "./test-items.ts";

/** What the model is asked: the last user message of the item's prompt (the messages before its last assistant message). */
export function promptText(item: EvalItem | undefined): string {
  return textOf(item?.input.messages.findLast((m) => m.role === "user")?.content);
}

/** The item's reference answer as people read it (`shownAnswer`); null when it has none. */
export function referenceText(item: EvalItem | undefined): string | null {
  if (item?.reference === undefined && !item?.reference_tools?.length) return null;
  return shownAnswer(item.reference ?? "", item.reference_tools);
}

const STATUS_ORDER: Record<string, number> = { passed: 0, failed: 1, errored: 2 };

type Row = SampleView & { gradesJson: string };

/** Samples by status or by one grader's score (unscored last either way), ties in test split order. */
function sortSamples(samples: Row[], sort: string, order: "asc" | "desc"): Row[] {
  const grader = sort.startsWith("grader:") ? sort.slice("grader:".length) : undefined;
  const key = (s: Row): number | null => {
    if (sort === "status") return STATUS_ORDER[s.status] ?? 3;
    if (grader === undefined) return s.position;
    const score = (JSON.parse(s.gradesJson) as Record<string, { score?: unknown }>)[grader]?.score;
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

/**
 * A page of a run's samples with each item's prompt and reference (split at its last assistant message as the eval
 * runner splits it). In test split order the page is read directly; another order or a search reads every sample of
 * the filter, sorts or searches them, then pages.
 */
export async function samplePage(ws: Workspace, runId: string, query: SampleQuery = {}): Promise<SamplePage> {
  const parsed = SampleQuery.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TunelabError("invalid_argument", `samples query: ${issue?.path.join(".") || "query"}: ${issue?.message}`);
  }
  const q = parsed.data;
  const run = await getEvalRun(ws.db, runId);
  const needle = q.q?.trim().toLowerCase();
  const whole = q.sort !== "item" || q.order === "desc" || Boolean(needle);
  const page = await pageSamples(ws.db, run.id, {
    offset: whole ? 0 : q.offset,
    limit: whole ? 2_147_483_647 : q.limit,
    ...(q.status ? { status: q.status } : {}),
    ...(q.tag ? { tag: q.tag } : {}),
  });
  const items = await testItems(ws, run.testSplitVersionId);
  let rows: Row[] = page.data.map((s) => {
    const item = items[s.position];
    return {
      itemId: s.item_id,
      trial: s.trial,
      position: s.position,
      status: s.status as SampleStatus,
      output: sampleOutput(s),
      outputTools: sampleTools(s) ?? null,
      reasoning: s.reasoning_text,
      error: s.error ? (JSON.parse(s.error) as { type?: string; message?: string }) : null,
      grades: JSON.parse(s.grades_json) as Record<string, Grade>,
      tags: JSON.parse(s.tags_json) as string[],
      prompt: promptText(item),
      reference: referenceText(item),
      referenceTools: item?.reference_tools?.length ? item.reference_tools : null,
      gradesJson: s.grades_json,
    };
  });
  if (needle)
    rows = rows.filter((r) =>
      [r.itemId, r.output ?? "", r.prompt, r.reference ?? "", ...r.tags].some((t) => t.toLowerCase().includes(needle)),
    );
  const total = whole ? rows.length : page.total;
  if (whole) rows = sortSamples(rows, q.sort, q.order).slice(q.offset, q.offset + q.limit);
  return SamplePage.parse({ total, offset: q.offset, limit: q.limit, data: rows.map(({ gradesJson: _, ...row }) => row) });
}
