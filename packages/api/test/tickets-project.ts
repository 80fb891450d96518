// The ticket-routing project API tests start from: the example's first test items as the project's split, the
// exact-match grader as primary metric, and train-v1.jsonl as the dataset `train` (version 1).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { apiHarness } from "./api-harness.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const ndjson = { "content-type": "application/x-ndjson" };

export async function ticketsProject(h: Awaited<ReturnType<typeof apiHarness>>, testItems: number): Promise<void> {
  const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, testItems).join("\n");
  expect((await h.call("POST", "/api/projects", { name: "tickets" })).status).toBe(201);
  expect((await h.call("PUT", "/api/projects/tickets/test-split", `${items}\n`, ndjson)).status).toBe(201);
  const graders = await h.call("PUT", "/api/projects/tickets/graders", {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
    primary_metric: "exact",
  });
  expect(graders.status).toBe(201);
  const train = readFileSync(`${EXAMPLES}train-v1.jsonl`, "utf8");
  expect((await h.call("POST", "/api/projects/tickets/datasets/train/versions", train, ndjson)).status).toBe(201);
}
