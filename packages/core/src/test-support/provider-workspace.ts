import { setTestSplit } from "../datasets/set-test-split.ts";
import type { ExperimentServices } from "../experiments/run-experiment.ts";
import { evaluationSetup } from "../grader-sets/evaluation-setup.ts";
import { saveGraderSet } from "../grader-sets/save-grader-set.ts";
import type { TunelabConfig } from "../providers/provider-config.ts";
import { Providers } from "../providers/providers.ts";
import { seedChatAndPreferences } from "./experiment-data.ts";
import { chat, jsonl, tempWorkspace } from "./temp-workspace.ts";

/**
 * The workspace a hosted-provider test runs experiments in: project `p` with chat and preference datasets, a two-item
 * test split ("Is the sky blue?" → Yes, "Is water dry?" → No) graded by `exact`, and services that reach the providers
 * of `config` (polling every 5 ms).
 */
export async function providerTestWorkspace(config: TunelabConfig) {
  const providers = new Providers({ config });
  const ws = await tempWorkspace();
  await seedChatAndPreferences(ws);
  await setTestSplit(ws, {
    project: "p",
    text: jsonl([chat("Is the sky blue?", "Yes"), chat("Is water dry?", "No")]),
    fileName: "test.jsonl",
  });
  await saveGraderSet(ws, "p", {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  const services: ExperimentServices = {
    client: (name) => providers.client(name),
    trainer: (name) => providers.trainer(name),
    evaluationSetup: (projectId, grading) => evaluationSetup(ws, projectId, { ...grading }),
    pollMs: 5,
    evalConcurrency: 2,
  };
  return { ws, services };
}
