import { TunelabError } from "@tunelab/base";
import { type Grade, type ItemRecord, shownAnswer, type ToolCall, trialKey } from "@tunelab/evals";
import { jsonArrayContains, storableText, withSqlite } from "@tunelab/storage";
import type { Updateable } from "kysely";
import { newId } from "../shared/id.ts";
import { nowIso } from "../shared/time.ts";
import type { DB } from "../storage/database.ts";
import type { EvalRun, EvalRunStatus } from "./eval-run.schema.ts";
import type { EvalRunRow, EvalRunTable, EvalSampleRow } from "./eval-run.table.ts";
import { DEFAULT_GRADER_ATTEMPTS, DEFAULT_GRADER_TIMEOUT_SECONDS, type GraderDeadline } from "./eval-settings.ts";
import { RunAggregates } from "./run-aggregates.schema.ts";

/** A run's stored aggregates, checked against their schema (a mismatch names the run rather than surfacing later). */
function storedAggregates(runId: string, json: string): RunAggregates {
  const parsed = RunAggregates.safeParse(JSON.parse(json));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TunelabError(
      "internal",
      `eval run ${runId}: its stored aggregates do not match their schema (${issue?.path.join(".")}: ${issue?.message})`,
    );
  }
  return parsed.data;
}

export function toEvalRun(row: EvalRunRow): EvalRun {
  return {
    id: row.id,
    projectId: row.project_id,
    experimentId: row.experiment_id,
    model: row.model,
    provider: row.provider,
    testSplitVersionId: row.test_split_version_id,
    graderSetId: row.grader_set_id,
    samplingParams: JSON.parse(row.sampling_json),
    samplingNotes: row.sampling_notes_json ? (JSON.parse(row.sampling_notes_json) as string[]) : [],
    trials: row.trials,
    graderTimeoutSeconds: row.grader_timeout_ms === null ? DEFAULT_GRADER_TIMEOUT_SECONDS : row.grader_timeout_ms / 1000,
    graderAttempts: row.grader_attempts ?? DEFAULT_GRADER_ATTEMPTS,
    status: row.status as EvalRunStatus,
    error: row.error,
    resultCounts: { total: row.total, passed: row.passed, failed: row.failed, errored: row.errored },
    primary: {
      score: row.primary_score,
      interval: row.primary_low === null || row.primary_high === null ? null : { low: row.primary_low, high: row.primary_high },
    },
    aggregates: row.aggregates_json ? storedAggregates(row.id, row.aggregates_json) : null,
    usage: row.usage_json ? JSON.parse(row.usage_json) : null,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

export interface NewEvalRun {
  projectId: string;
  experimentId: string | null;
  model: string;
  provider: string;
  testSplitVersionId: string;
  graderSetId: string;
  samplingParams: Record<string, unknown>;
  /** Completions per item (default 1). */
  trials?: number;
  /** Its model graders' request deadline and attempts (default 60 s and 3). */
  graderDeadline?: GraderDeadline;
  total: number;
}

export async function insertEvalRun(db: DB, input: NewEvalRun): Promise<EvalRun> {
  const row: EvalRunRow = {
    id: newId("run"),
    project_id: input.projectId,
    experiment_id: input.experimentId,
    model: input.model,
    provider: input.provider,
    test_split_version_id: input.testSplitVersionId,
    grader_set_id: input.graderSetId,
    sampling_json: JSON.stringify(input.samplingParams),
    trials: input.trials ?? 1,
    status: "queued",
    error: null,
    total: input.total,
    passed: 0,
    failed: 0,
    errored: 0,
    primary_score: null,
    primary_low: null,
    primary_high: null,
    aggregates_json: null,
    graders_json: null,
    usage_json: null,
    sampling_notes_json: null,
    grader_timeout_ms: Math.round((input.graderDeadline?.graderTimeoutSeconds ?? DEFAULT_GRADER_TIMEOUT_SECONDS) * 1000),
    grader_attempts: input.graderDeadline?.graderAttempts ?? DEFAULT_GRADER_ATTEMPTS,
    created_at: nowIso(),
    finished_at: null,
    lease_owner: null,
    lease_expires_at: null,
  };
  await db.insertInto("eval_runs").values(row).execute();
  return toEvalRun(row);
}

export async function findEvalRun(db: DB, id: string): Promise<EvalRun | undefined> {
  const row = await db.selectFrom("eval_runs").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toEvalRun(row);
}

export async function getEvalRun(db: DB, id: string): Promise<EvalRun> {
  const run = await findEvalRun(db, id);
  if (!run) throw new TunelabError("not_found", `no eval run ${id}`);
  return run;
}

/** The eval run an experiment points to (`experiments.eval_run_id`), read in one query; undefined without one. */
export async function findCurrentEvalRun(db: DB, experimentId: string): Promise<EvalRun | undefined> {
  const row = await db
    .selectFrom("eval_runs")
    .selectAll()
    .where("id", "=", (eb) => eb.selectFrom("experiments").select("eval_run_id").where("experiments.id", "=", experimentId))
    .executeTakeFirst();
  return row && toEvalRun(row);
}

/**
 * Adds what a process running the run left out of its sampling (`runEval`'s samplingNotes) to what earlier processes
 * noted (a resumed run learns again what the model refuses): each sentence once, in the order first noted.
 */
export async function addSamplingNotes(db: DB, id: string, notes: readonly string[]): Promise<void> {
  if (notes.length === 0) return;
  const row = await db.selectFrom("eval_runs").select("sampling_notes_json").where("id", "=", id).executeTakeFirst();
  const before: string[] = row?.sampling_notes_json ? JSON.parse(row.sampling_notes_json) : [];
  const merged = [...new Set([...before, ...notes])];
  if (merged.length === before.length) return;
  await db
    .updateTable("eval_runs")
    .set({ sampling_notes_json: JSON.stringify(merged) })
    .where("id", "=", id)
    .execute();
}

export async function updateEvalRun(db: DB, id: string, patch: Updateable<EvalRunTable>): Promise<void> {
  await db.updateTable("eval_runs").set(patch).where("id", "=", id).execute();
}

export async function unfinishedEvalRuns(db: DB): Promise<EvalRun[]> {
  const rows = await db.selectFrom("eval_runs").selectAll().where("status", "in", ["queued", "running"]).orderBy("created_at").execute();
  return rows.map(toEvalRun);
}

/** What identifies one evaluation of a model: the same scores are expected from any run of it. */
export interface EvaluationKey {
  projectId: string;
  model: string;
  provider: string;
  testSplitVersionId: string;
  graderSetId: string;
  trials: number;
}

/**
 * The unfinished standalone runs (no experiment) of one evaluation, oldest first, each with the second its lease runs
 * out (null: no process holds it): what a stopped `tunelab eval` left for the same command to resume.
 */
export async function unfinishedStandaloneRuns(
  db: DB,
  key: EvaluationKey,
): Promise<Array<{ run: EvalRun; leaseExpiresAt: number | null }>> {
  const rows = await db
    .selectFrom("eval_runs")
    .selectAll()
    .where("status", "in", ["queued", "running"])
    .where("experiment_id", "is", null)
    .where("project_id", "=", key.projectId)
    .where("model", "=", key.model)
    .where("provider", "=", key.provider)
    .where("test_split_version_id", "=", key.testSplitVersionId)
    .where("grader_set_id", "=", key.graderSetId)
    .where("trials", "=", key.trials)
    .orderBy("created_at")
    .execute();
  return rows.map((row) => ({ run: toEvalRun(row), leaseExpiresAt: row.lease_expires_at }));
}

/**
 * Stores one finished (item, trial); a second write of the same one (a resumed run) is ignored, so nothing is counted
 * twice.
 */
export async function insertSample(db: DB, runId: string, position: number, record: ItemRecord): Promise<void> {
  await insertSamples(db, runId, [{ position, record }]);
}

/** Rows per INSERT statement (14 columns each: well under SQLite's 32,766 bound parameters). */
const ROWS_PER_STATEMENT = 500;

/** A sample row's columns, in the order `INSERT_SAMPLE` binds them. */
const SAMPLE_COLUMNS = [
  "run_id",
  "item_id",
  "trial",
  "position",
  "status",
  "output_text",
  "output_tools_json",
  "reasoning_text",
  "error",
  "grades_json",
  "tags_json",
  "prompt_tokens",
  "completion_tokens",
  "created_at",
] as const;
/** Positional parameters: better-sqlite3 binds them faster than named ones read from an object (~12% of the insert). */
const INSERT_SAMPLE = `insert into eval_samples (${SAMPLE_COLUMNS.join(", ")}) values (${SAMPLE_COLUMNS.map(() => "?").join(", ")}) on conflict (run_id, item_id, trial) do nothing`;

/** The prepared `INSERT_SAMPLE` of each SQLite connection (prepared once, run for every row). */
const insertStatements = new WeakMap<object, { run(...values: unknown[]): { changes: number } }>();

/**
 * Stores finished (item, trial)s in one transaction: after a crash either all of them are stored or none is. A row
 * already stored (a resumed run) is ignored, so nothing is counted twice. SQLite: one prepared single-row statement run
 * for each row inside one transaction (no SQL built or prepared per batch); PostgreSQL: multi-row INSERTs.
 * Resolves, once committed, to the rows this call stored (not those ignored), as the database holds them.
 */
export async function insertSamples(
  db: DB,
  runId: string,
  samples: readonly { position: number; record: ItemRecord }[],
): Promise<EvalSampleRow[]> {
  if (samples.length === 0) return [];
  const createdAt = nowIso();
  const rows: EvalSampleRow[] = samples.map(({ position, record }) => ({
    run_id: runId,
    item_id: record.item_id,
    trial: record.trial ?? 0,
    position,
    status: record.status,
    output_text: record.sample?.output_text == null ? null : storableText(db, record.sample.output_text),
    output_tools_json: record.sample?.output_tools?.length ? JSON.stringify(record.sample.output_tools) : null,
    reasoning_text: record.reasoning ? storableText(db, record.reasoning) : null,
    error: record.sample_error ? JSON.stringify(record.sample_error) : null,
    grades_json: JSON.stringify(record.grades),
    tags_json: JSON.stringify(record.tags),
    prompt_tokens: record.usage.prompt_tokens,
    completion_tokens: record.usage.completion_tokens,
    created_at: createdAt,
  }));
  const stored = await withSqlite(db, (sqlite) => {
    let insert = insertStatements.get(sqlite);
    if (!insert) {
      insert = sqlite.prepare(INSERT_SAMPLE);
      insertStatements.set(sqlite, insert);
    }
    const statement = insert;
    return sqlite.transaction(() =>
      rows.filter(
        (row) =>
          statement.run(
            row.run_id,
            row.item_id,
            row.trial,
            row.position,
            row.status,
            row.output_text,
            row.output_tools_json,
            row.reasoning_text,
            row.error,
            row.grades_json,
            row.tags_json,
            row.prompt_tokens,
            row.completion_tokens,
            row.created_at,
          ).changes === 1,
      ),
    )();
  });
  if (stored) return stored;
  const inserted = new Set<string>();
  const write = async (trx: DB) => {
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const written = await trx
        .insertInto("eval_samples")
        .values(rows.slice(start, start + ROWS_PER_STATEMENT))
        .onConflict((oc) => oc.columns(["run_id", "item_id", "trial"]).doNothing())
        .returning(["item_id", "trial"])
        .execute();
      for (const row of written) inserted.add(trialKey(row.item_id, row.trial));
    }
  };
  if (rows.length <= ROWS_PER_STATEMENT) await write(db);
  else await db.transaction().execute(write);
  return rows.filter((row) => inserted.has(trialKey(row.item_id, row.trial)));
}

/** The (item, trial) units a run has stored, as `trialKey`s (the runner's `skip`). */
export async function sampleKeys(db: DB, runId: string): Promise<Set<string>> {
  const rows = await db.selectFrom("eval_samples").select(["item_id", "trial"]).where("run_id", "=", runId).execute();
  return new Set(rows.map((r) => trialKey(r.item_id, r.trial)));
}

export async function runSamples(db: DB, runId: string): Promise<EvalSampleRow[]> {
  return db.selectFrom("eval_samples").selectAll().where("run_id", "=", runId).orderBy("position").orderBy("trial").execute();
}

/** What a comparison reads of every sample of a run: item id, position, trial, tags and grades (no outputs), in order. */
export async function runScores(db: DB, runId: string) {
  return db
    .selectFrom("eval_samples")
    .select(["item_id", "position", "trial", "tags_json", "grades_json"])
    .where("run_id", "=", runId)
    .orderBy("position")
    .orderBy("trial")
    .execute();
}

/** Ids per `IN (...)` list when reading some items' samples. */
const IDS_PER_QUERY = 1_000;

/**
 * The output (as `shownAnswer` writes it: text, then tool calls) and the grades of a run's samples for some items; with
 * trials, the last trial's (as `runSamples` order leaves last).
 */
export async function runShownSamples(
  db: DB,
  runId: string,
  itemIds: readonly string[],
): Promise<Map<string, { output: string | null; grades: Record<string, Grade> }>> {
  const shown = new Map<string, { output: string | null; grades: Record<string, Grade> }>();
  for (let from = 0; from < itemIds.length; from += IDS_PER_QUERY) {
    const rows = await db
      .selectFrom("eval_samples")
      .select(["item_id", "output_text", "output_tools_json", "grades_json"])
      .where("run_id", "=", runId)
      .where("item_id", "in", itemIds.slice(from, from + IDS_PER_QUERY))
      .orderBy("position")
      .orderBy("trial")
      .execute();
    for (const row of rows)
      shown.set(row.item_id, { output: sampleOutput(row), grades: JSON.parse(row.grades_json) as Record<string, Grade> });
  }
  return shown;
}

/** The tool calls a stored sample holds (none before 0019). */
export function sampleTools(row: Pick<EvalSampleRow, "output_tools_json">): ToolCall[] | undefined {
  return row.output_tools_json ? (JSON.parse(row.output_tools_json) as ToolCall[]) : undefined;
}

/** A stored sample's answer as people read it (`shownAnswer`); null when sampling failed. */
export function sampleOutput(row: Pick<EvalSampleRow, "output_text" | "output_tools_json">): string | null {
  return row.output_text === null ? null : shownAnswer(row.output_text, sampleTools(row));
}

export interface SampleFilter {
  status?: "passed" | "failed" | "errored";
  tag?: string;
  offset: number;
  limit: number;
}

/** A page of a run's samples, filtered by status and tag. */
export async function pageSamples(db: DB, runId: string, filter: SampleFilter): Promise<{ total: number; data: EvalSampleRow[] }> {
  let query = db.selectFrom("eval_samples").where("run_id", "=", runId);
  if (filter.status) query = query.where("status", "=", filter.status);
  const tag = filter.tag;
  if (tag !== undefined) query = query.where(jsonArrayContains(db, "tags_json", tag));
  const total = Number((await query.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  const data = await query.selectAll().orderBy("position").orderBy("trial").offset(filter.offset).limit(filter.limit).execute();
  return { total, data };
}
