// What a stored sample keeps beside its text: the tool calls the model made and the reasoning it returned. They are
// read back in the sample page (and by compare) with the calls written out, so a tool-calling answer is never shown empty.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ItemRecord, ToolCall } from "@tunelab/evals";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTestSplit } from "../datasets/set-test-split.ts";
import { saveGraderSet } from "../grader-sets/save-grader-set.ts";
import { closeWorkspace, type Workspace } from "../storage/workspace.ts";
import { insertStandaloneRun } from "../test-support/standalone-run.ts";
import { openTestWorkspace } from "../test-support/test-database.ts";
import { insertSamples, runShownSamples } from "./eval-run.repository.ts";
import { samplePage } from "./sample-page.ts";

const PROJECT = "answers";
const lookup = (city: string): ToolCall => ({
  id: "call_1",
  type: "function",
  function: { name: "get_weather", arguments: JSON.stringify({ city }) },
});
let home: string;
let ws: Workspace;
let runId: string;

function record(itemId: string, sample: ItemRecord["sample"], reasoning?: string): ItemRecord {
  return {
    item_id: itemId,
    tags: [],
    status: "failed",
    sample,
    grades: { tool: { score: 0, passed: false } },
    usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8, cached_tokens: 0 },
    model: "m",
    cached: false,
    attempts: 1,
    finish_reason: "stop",
    ...(reasoning === undefined ? {} : { reasoning }),
    latency_ms: 1,
  };
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "tunelab-sample-answers-"));
  ws = await openTestWorkspace(home);
  const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }];
  const lines = [
    {
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", tool_calls: [lookup("Paris")] },
      ],
      tools,
    },
    {
      messages: [
        { role: "user", content: "Say hi" },
        { role: "assistant", content: "hi" },
      ],
    },
    {
      messages: [
        { role: "user", content: "Weather in Oslo?" },
        { role: "assistant", tool_calls: [lookup("Oslo")] },
      ],
      tools,
    },
  ];
  await setTestSplit(ws, { project: PROJECT, text: `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`, fileName: "test.jsonl" });
  await saveGraderSet(ws, PROJECT, {
    graders: [{ type: "string_check", name: "tool", input: "{{sample.output_text}}", reference: "x", operation: "eq" }],
  });
  runId = await insertStandaloneRun(ws, PROJECT, 3);
  await insertSamples(ws.db, runId, [
    {
      position: 0,
      record: record("1", { output_text: "", output_tools: [lookup("London")] }, "The user asks about weather: call the tool."),
    },
    { position: 1, record: record("2", { output_text: "hello" }) },
    { position: 2, record: record("3", null) },
  ]);
}, 60_000);

afterAll(async () => {
  await closeWorkspace(ws);
  rmSync(home, { recursive: true, force: true });
});

describe("a sample's tool calls and reasoning", () => {
  it("are stored and shown: the calls written out after the text, the reference's calls the same way", async () => {
    const page = await samplePage(ws, runId);
    const [called, said, failed] = page.data;
    expect(called).toMatchObject({
      output: 'get_weather({"city":"London"})',
      outputTools: [lookup("London")],
      reasoning: "The user asks about weather: call the tool.",
      reference: 'get_weather({"city":"Paris"})',
      referenceTools: [lookup("Paris")],
    });
    expect(said).toMatchObject({ output: "hello", outputTools: null, reasoning: null, reference: "hi", referenceTools: null });
    expect(failed).toMatchObject({ output: null, outputTools: null, reasoning: null, reference: 'get_weather({"city":"Oslo"})' });
  });

  it("are found by a search for the tool's arguments, and compare reads the calls too", async () => {
    const found = await samplePage(ws, runId, { q: "london" });
    expect(found.data.map((s) => s.itemId)).toEqual(["1"]);
    const shown = await runShownSamples(ws.db, runId, ["1", "2"]);
    expect(shown.get("1")?.output).toBe('get_weather({"city":"London"})');
    expect(shown.get("2")?.output).toBe("hello");
  });
});
