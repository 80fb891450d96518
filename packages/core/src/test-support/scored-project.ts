import type { GraderConfig } from "@tunelab/evals";
import { expect } from "vitest";
import { importDataset } from "../datasets/import-dataset.ts";
import { setTestSplit } from "../datasets/set-test-split.ts";
import { createExperiment } from "../experiments/create-experiment.ts";
import { saveGraderSet } from "../grader-sets/save-grader-set.ts";
import type { Workspace } from "../storage/workspace.ts";
import { chat, jsonl } from "./temp-workspace.ts";

/** `exact`: the output equals the reference. */
export const EXACT: GraderConfig = {
  type: "string_check",
  name: "exact",
  input: "{{sample.output_text}}",
  reference: "{{item.reference}}",
  operation: "eq",
};

/** `sim`: fuzzy similarity to the reference, passing at 0.5. */
export const SIM: GraderConfig = {
  type: "text_similarity",
  name: "sim",
  input: "{{sample.output_text}}",
  reference: "{{item.reference}}",
  evaluation_metric: "fuzzy_match",
  pass_threshold: 0.5,
};

/** The question and reference answer of test item `id` ("1".."N") of a seeded project. */
export const testQuestion = (id: string) => `question ${id}`;
export const testAnswer = (id: string) => `answer ${id}`;

/**
 * A project ready to be scored, with nothing trained: a test split of `items` chat lines (item i, from 1, asks
 * `question i` and answers `answer i`), `train@1` (12 chat examples) and a grader set of `graders` whose primary metric
 * is the first.
 */
export async function seedScoredProject(
  ws: Workspace,
  options: { project: string; items: number; graders?: GraderConfig[] },
): Promise<void> {
  const { project, items } = options;
  const test = Array.from({ length: items }, (_, i) => chat(testQuestion(String(i + 1)), testAnswer(String(i + 1))));
  expect((await setTestSplit(ws, { project, text: jsonl(test), fileName: "test.jsonl" })).status).toBe("created");
  const train = Array.from({ length: 12 }, (_, i) => chat(`training ticket ${i}`, `training answer ${i}`));
  expect((await importDataset(ws, { project, dataset: "train", text: jsonl(train), fileName: "train.jsonl" })).status).toBe("created");
  await saveGraderSet(ws, project, { graders: options.graders ?? [EXACT] });
}

/** A tuned experiment on `train@1` that is never trained (its seed tells it from the others); returns its id. */
export async function untrainedExperiment(ws: Workspace, project: string, name: string, seed: number): Promise<string> {
  const { experiment, created } = await createExperiment(ws, { project, dataset: "train@1", model: "local-tiny", name, seed });
  expect(created).toBe(true);
  return experiment.id;
}
