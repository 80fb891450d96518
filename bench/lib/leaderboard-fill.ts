// Fills a workspace for bench/leaderboard.ts: one project, a test split of N items (tagged by ticket category), two
// training dataset versions, a grader set of 3 graders, and E completed experiments (baselines included), each with
// its completed eval run, N stored samples, stored aggregates and score columns (as finalizing a run writes them).
// Rows go in through kysely in large transactions, shaped exactly as core's repositories write them (see
// finalize/finalize-run.ts `finalizeRun`, insertSample).
import {
  boardGraders,
  importDataset,
  type RunAggregates,
  saveGraderSet,
  setTestSplit,
  sha256,
  testItems,
  type Workspace,
} from "@tunelab/core";
import type {
  EvalRunScoresRow,
  EvalSampleTable,
  NewEvalRunRow,
  NewEvalSampleRow,
} from "../../packages/core/src/eval-runs/eval-run.table.ts";
import { toScoreColumns } from "../../packages/core/src/eval-runs/score-columns.ts";
import type { ExperimentTable } from "../../packages/core/src/experiments/experiment.table.ts";
import {
  type Grade,
  type GraderConfig,
  parseGraderConfig,
  runGrader,
  type ScoredItem,
  statusOf,
  summarizeByTag,
  summarizeGraders,
  toSample,
} from "../../packages/evals/src/index.ts";
import { chatLine, prng, testCases, trainingLine, wrongOutputs } from "./data.ts";

export const PROJECT = "support-bot";
export const MODELS = ["gpt-4o-mini-2024-07-18", "gpt-4.1-nano-2025-04-14"] as const;
const CATEGORY_TAGS = ["billing", "technical", "account", "shipping", "refund", "feature_request"] as const;
const OUTPUT = "{{sample.output_text}}";
const REFERENCE = "{{item.reference}}";
export const GRADERS: GraderConfig[] = [
  { type: "string_check", name: "exact", input: OUTPUT, reference: REFERENCE, operation: "eq" },
  { type: "text_similarity", name: "rouge_l", input: OUTPUT, reference: REFERENCE, evaluation_metric: "rouge_l", pass_threshold: 0.8 },
  { type: "text_similarity", name: "fuzzy", input: OUTPUT, reference: REFERENCE, evaluation_metric: "fuzzy_match", pass_threshold: 0.85 },
].map((json) => parseGraderConfig(json));
const PRIMARY = "rouge_l";
/** Wrong outputs per item; a run's output for an item is its reference or one of these. */
const WRONG_VARIANTS = 3;
const BASELINES = 20;
const RUNS_PER_TRANSACTION = 50;
/** SQLite binds at most 32,766 parameters per statement. */
const MAX_PARAMETERS = 32_766;

export interface FillOptions {
  experiments: number;
  items: number;
  /** Bootstrap resamples for the stored intervals (core's default is 2,000; fewer fills faster, same JSON shape). */
  resamples: number;
  onProgress?: (done: number) => void;
}

export interface Filled {
  experimentIds: string[];
  /** Tuned experiment ids (baselines excluded), for compare pairs. */
  tunedIds: string[];
  timings: { setupMs: number; gradeVariantsMs: number; aggregatesMs: number; insertMs: number };
  samples: number;
}

interface Variant {
  status: "passed" | "failed" | "errored";
  gradesJson: string;
  grades: Record<string, Grade>;
  output: string;
  completionTokens: number;
}

function compileSamples(ws: Workspace, rows: NewEvalSampleRow[]) {
  return ws.db.insertInto("eval_samples").values(rows).compile();
}

export async function fillWorkspace(ws: Workspace, options: FillOptions): Promise<Filled> {
  const { experiments, items: itemCount } = options;
  let started = performance.now();
  const cases = testCases(itemCount, 21);
  const tagOf = (i: number): string => CATEGORY_TAGS[i % CATEGORY_TAGS.length] ?? "other";
  const split = await setTestSplit(ws, {
    project: PROJECT,
    text: `${cases.map((c, i) => chatLine(c, [tagOf(i)])).join("\n")}\n`,
    fileName: "test.jsonl",
  });
  if (split.status === "invalid") throw new Error("the bench test split does not validate");
  const trainLines = (from: number, to: number) => `${Array.from({ length: to - from }, (_, i) => trainingLine(from + i)).join("\n")}\n`;
  const train1 = await importDataset(ws, { project: PROJECT, dataset: "train", text: trainLines(0, 400), fileName: "train-v1.jsonl" });
  const train2 = await importDataset(ws, { project: PROJECT, dataset: "train", text: trainLines(20, 420), fileName: "train-v2.jsonl" });
  if (train1.status === "invalid" || train2.status === "invalid") throw new Error("the bench training data does not validate");
  const { graderSet } = await saveGraderSet(ws, PROJECT, { graders: GRADERS, primaryMetric: PRIMARY });
  const project = await ws.db.selectFrom("projects").select("id").where("name", "=", PROJECT).executeTakeFirstOrThrow();
  const items = await testItems(ws, split.test.id);
  const setupMs = performance.now() - started;

  // Every output a run may give for an item (the reference or a wrong variant), graded once by the real graders.
  started = performance.now();
  const variants: Variant[][] = [];
  for (const [i, item] of items.entries()) {
    const testCase = cases[i];
    if (!testCase) throw new Error(`no case ${i}`);
    const list: Variant[] = [];
    for (const output of [testCase.reference, ...wrongOutputs(testCase, WRONG_VARIANTS, i + 1)]) {
      const sample = toSample(output);
      const grades: Record<string, Grade> = {};
      for (const config of GRADERS) grades[config.name] = await runGrader(config, sample, item);
      const statuses = Object.values(grades).map(statusOf);
      const status = statuses.includes("errored") ? "errored" : statuses.every((s) => s === "passed") ? "passed" : "failed";
      list.push({ status, gradesJson: JSON.stringify(grades), grades, output, completionTokens: Math.ceil(output.length / 4) });
    }
    variants.push(list);
  }
  const gradeVariantsMs = performance.now() - started;

  // One statement inserts one run's samples: compiled once by kysely, executed with each run's parameters.
  const sampleColumns = [
    "run_id",
    "item_id",
    "position",
    "status",
    "output_text",
    "error",
    "grades_json",
    "tags_json",
    "prompt_tokens",
    "completion_tokens",
    "created_at",
  ] as const satisfies ReadonlyArray<keyof EvalSampleTable>;
  if (itemCount * sampleColumns.length > MAX_PARAMETERS)
    throw new Error(`at most ${Math.floor(MAX_PARAMETERS / sampleColumns.length)} items`);
  const tagsJson = items.map((item) => JSON.stringify(item.tags));
  const sampleRow = (runId: string, position: number, variant: Variant, createdAt: string): NewEvalSampleRow => ({
    run_id: runId,
    item_id: items[position]?.id ?? String(position + 1),
    position,
    status: variant.status,
    output_text: variant.output,
    error: null,
    grades_json: variant.gradesJson,
    tags_json: tagsJson[position] ?? "[]",
    prompt_tokens: 64,
    completion_tokens: variant.completionTokens,
    created_at: createdAt,
  });

  const random = prng(99);
  const base = Date.parse("2026-09-01T00:00:00.000Z");
  const experimentRows: ExperimentTable[] = [];
  const runRows: NewEvalRunRow[] = [];
  const scoreRows: EvalRunScoresRow[] = [];
  const tunedIds: string[] = [];
  let aggregatesMs = 0;
  let insertMs = 0;
  let compiled: ReturnType<typeof compileSamples> | undefined;
  let pending: unknown[][] = [];

  const flush = async () => {
    const t = performance.now();
    const runs = runRows.splice(0);
    const exps = experimentRows.splice(0);
    const scores = scoreRows.splice(0);
    const samples = pending.splice(0);
    await ws.db.transaction().execute(async (trx) => {
      for (let at = 0; at < exps.length; at += 500)
        await trx
          .insertInto("experiments")
          .values(exps.slice(at, at + 500))
          .execute();
      for (let at = 0; at < runs.length; at += 500)
        await trx
          .insertInto("eval_runs")
          .values(runs.slice(at, at + 500))
          .execute();
      for (let at = 0; at < scores.length; at += 100)
        await trx
          .insertInto("eval_run_scores")
          .values(scores.slice(at, at + 100))
          .execute();
      for (const parameters of samples) {
        if (!compiled) throw new Error("no compiled sample insert");
        await trx.executeQuery({ ...compiled, parameters });
      }
    });
    insertMs += performance.now() - t;
  };

  for (let e = 0; e < experiments; e++) {
    const baseline = e < BASELINES;
    const experimentId = `exp_bench${String(e).padStart(5, "0")}`;
    const runId = `run_bench${String(e).padStart(5, "0")}`;
    const model = MODELS[Math.floor(e / 2) % MODELS.length] ?? MODELS[0];
    const dataset = baseline ? null : e % 2 === 0 ? train1.version : train2.version;
    const provider = e % 5 === 0 ? "openai" : "local";
    const quality = baseline ? 0.25 + 0.2 * random() : 0.45 + 0.5 * random();
    const createdAt = new Date(base + e * 3_600_000).toISOString();
    const finishedAt = new Date(base + e * 3_600_000 + 1_800_000).toISOString();

    const scored: ScoredItem[] = [];
    const parameters: unknown[] = [];
    const counts = { passed: 0, failed: 0, errored: 0 };
    let completionTokens = 0;
    for (let i = 0; i < itemCount; i++) {
      const list = variants[i] ?? [];
      const variant = (random() < quality ? list[0] : list[1 + Math.floor(random() * (list.length - 1))]) ?? list[0];
      if (!variant) throw new Error(`no variant for item ${i}`);
      counts[variant.status]++;
      completionTokens += variant.completionTokens;
      scored.push({ item_id: items[i]?.id ?? "", tags: items[i]?.tags ?? [], grades: variant.grades });
      const row = sampleRow(runId, i, variant, finishedAt);
      for (const column of sampleColumns) parameters.push(row[column]);
      if (!compiled && i === itemCount - 1) {
        // Compile the statement once from real rows and check the parameter order matches ours.
        const rows = Array.from({ length: itemCount }, (_, p) => {
          const at = p * sampleColumns.length;
          return Object.fromEntries(sampleColumns.map((c, k) => [c, parameters[at + k]])) as unknown as NewEvalSampleRow;
        });
        compiled = compileSamples(ws, rows);
        if (compiled.parameters.length !== parameters.length || compiled.parameters.some((p, k) => p !== parameters[k])) {
          throw new Error("kysely's parameter order differs from the bench's");
        }
      }
    }

    let t = performance.now();
    const graders = summarizeGraders(scored, { resamples: options.resamples });
    const aggregates: RunAggregates = { graders, byTag: summarizeByTag(scored, { resamples: options.resamples }) };
    aggregatesMs += performance.now() - t;
    const primary = graders[PRIMARY];
    const trainedTokens = baseline ? 0 : Math.round(200_000 + 800_000 * random());
    t = performance.now();
    experimentRows.push({
      id: experimentId,
      project_id: project.id,
      name: baseline ? `baseline ${model}` : `${dataset?.ref} ${model} ep=${1 + (e % 4)} lr=${(0.5 + (e % 7) * 0.25).toFixed(2)}`,
      kind: baseline ? "baseline" : "tuned",
      dataset_version_id: dataset?.id ?? null,
      validation_version_id: null,
      base_model: model,
      provider,
      method: baseline ? "none" : "supervised",
      eval_json: JSON.stringify({ trials: 1 }),
      hyperparameters_json: JSON.stringify(
        baseline
          ? { requested: {}, resolved: null }
          : {
              requested: { n_epochs: 1 + (e % 4), batch_size: "auto", learning_rate_multiplier: 0.5 + (e % 7) * 0.25 },
              resolved: { n_epochs: 1 + (e % 4), batch_size: 8, learning_rate_multiplier: 0.5 + (e % 7) * 0.25 },
            },
      ),
      seed: 42 + e,
      suffix: null,
      notes: "",
      config_hash: sha256(`bench ${e}`),
      status: "completed",
      error: null,
      provider_file_id: baseline ? null : `file-bench${e}`,
      provider_validation_file_id: null,
      provider_job_id: baseline ? null : `ftjob-bench${e}`,
      tuned_model: baseline ? model : `ft:${model}:tunelab:${e}`,
      tuned_model_blob: null,
      checkpoint_blob: null,
      trained_tokens: trainedTokens,
      training_seconds: baseline ? 0 : 300 + 3_000 * random(),
      test_split_version_id: split.test.id,
      grader_set_id: graderSet.id,
      eval_run_id: runId,
      created_at: createdAt,
      updated_at: finishedAt,
      finished_at: finishedAt,
      lease_owner: null,
      lease_expires_at: null,
      created_by: null,
      warnings_json: null,
      early_stop_json: null,
      run_requested: 0,
    });
    runRows.push({
      id: runId,
      project_id: project.id,
      experiment_id: experimentId,
      model: baseline ? model : `ft:${model}:tunelab:${e}`,
      provider,
      test_split_version_id: split.test.id,
      grader_set_id: graderSet.id,
      sampling_json: JSON.stringify({ temperature: 0, seed: 0, max_tokens: 256 }),
      status: "completed",
      error: null,
      total: itemCount,
      ...counts,
      primary_score: primary?.mean ?? null,
      primary_low: primary?.ci.mean?.low ?? null,
      primary_high: primary?.ci.mean?.high ?? null,
      aggregates_json: JSON.stringify(aggregates),
      graders_json: JSON.stringify(boardGraders(aggregates.graders)),
      usage_json: JSON.stringify({ prompt_tokens: 64 * itemCount, completion_tokens: completionTokens }),
      created_at: finishedAt,
      finished_at: finishedAt,
    });
    const columns = toScoreColumns(scored.map((item, position) => ({ position, item })));
    if (!columns) throw new Error("the bench's grades do not fit score columns");
    scoreRows.push({ run_id: runId, ...columns });
    pending.push(parameters);
    if (!baseline) tunedIds.push(experimentId);
    insertMs += performance.now() - t;
    if (pending.length >= RUNS_PER_TRANSACTION) {
      await flush();
      options.onProgress?.(e + 1);
    }
  }
  await flush();
  pending = [];
  return {
    experimentIds: Array.from({ length: experiments }, (_, e) => `exp_bench${String(e).padStart(5, "0")}`),
    tunedIds,
    timings: { setupMs, gradeVariantsMs, aggregatesMs, insertMs },
    samples: experiments * itemCount,
  };
}
