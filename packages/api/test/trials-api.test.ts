import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "./api-harness.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const ndjson = { "content-type": "application/x-ndjson" };

let h: Awaited<ReturnType<typeof apiHarness>>;
beforeAll(async () => {
  h = await apiHarness();
});
afterAll(async () => h.dispose());

describe("eval runs with trials through the API", () => {
  it("samples each item N times at temperature 1, reports per-item figures, and refuses a bad trial count", async () => {
    const { call } = h;
    const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 6).join("\n");
    expect((await call("POST", "/api/projects", { name: "tickets" })).status).toBe(201);
    expect((await call("PUT", "/api/projects/tickets/test-split", `${items}\n`, ndjson)).status).toBe(201);
    const graders = await call("PUT", "/api/projects/tickets/graders", {
      graders: [
        {
          type: "text_similarity",
          name: "similarity",
          input: "{{sample.output_text}}",
          reference: "{{item.reference}}",
          evaluation_metric: "fuzzy_match",
          pass_threshold: 0.36,
        },
      ],
      primary_metric: "similarity",
    });
    expect(graders.status).toBe(201);

    for (const trials of [0, 101, 2.5, "3"]) {
      const refused = await call("POST", "/api/projects/tickets/eval-runs", { model: "local-tiny", trials });
      expect(refused.status, JSON.stringify(refused.json)).toBe(400);
    }
    expect((await call("GET", "/api/projects/tickets/leaderboard")).json.rows ?? []).toHaveLength(0);

    const created = await call("POST", "/api/projects/tickets/eval-runs", { model: "local-tiny", trials: 3 });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json).toMatchObject({ trials: 3, resultCounts: { total: 18 } });
    const id: string = created.json.id;
    let run = created.json;
    for (let i = 0; i < 600 && run.status !== "completed" && run.status !== "failed"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      run = (await call("GET", `/api/eval-runs/${id}`)).json;
    }
    expect(run.status, run.error).toBe("completed");
    expect(run.samplingParams.temperature).toBe(1);
    expect(run.resultCounts.total).toBe(18);
    expect(run.aggregates.graders.similarity.trials).toMatchObject({ perItem: 3, items: 6 });

    const perItem = (await call("GET", `/api/eval-runs/${id}/items`)).json;
    expect(perItem.trials).toBe(3);
    expect(perItem.data).toHaveLength(6);
    const samples = (await call("GET", `/api/eval-runs/${id}/samples?limit=500`)).json.data as Array<{
      itemId: string;
      trial: number;
      grades: Record<string, { score: number; passed: boolean }>;
    }>;
    expect(samples).toHaveLength(18);
    for (const item of perItem.data as Array<{ itemId: string; trials: number; graders: Record<string, Record<string, number>> }>) {
      const mine = samples.filter((s) => s.itemId === item.itemId);
      expect(mine.map((s) => s.trial).sort()).toEqual([0, 1, 2]);
      const scores = mine.map((s) => s.grades.similarity?.score ?? Number.NaN);
      const m = scores.reduce((a, b) => a + b, 0) / 3;
      expect(item.trials).toBe(3);
      expect(item.graders.similarity?.mean).toBeCloseTo(m, 12);
      expect(item.graders.similarity?.variance).toBeCloseTo(scores.reduce((a, b) => a + (b - m) ** 2, 0) / 2, 12);
      expect(item.graders.similarity?.passRate).toBeCloseTo(mine.filter((s) => s.grades.similarity?.passed).length / 3, 12);
    }
  }, 240_000);
});
