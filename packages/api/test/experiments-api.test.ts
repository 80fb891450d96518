import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "./api-harness.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const GRADER = fileURLToPath(new URL("./fixtures/priority-grader.ts", import.meta.url));
const read = (name: string) => readFileSync(`${EXAMPLES}${name}`, "utf8");
const ndjson = { "content-type": "application/x-ndjson" };

let h: Awaited<ReturnType<typeof apiHarness>>;
beforeAll(async () => {
  // the grader set has a custom grader (code): this server opted in, as `tunelab serve --allow-code-graders` does
  h = await apiHarness({ allowCodeGraders: true });
});
afterAll(async () => h.dispose());

describe("the experiment loop through the API on the embedded engine", () => {
  it("baseline + 3 experiments complete, rank on the leaderboard with intervals, compare shows moved items, SSE reports progress", async () => {
    const { call } = h;
    expect((await call("POST", "/api/projects", { name: "tickets" })).status).toBe(201);
    expect((await call("PUT", "/api/projects/tickets/test-split", read("test.jsonl"), ndjson)).status).toBe(201);
    expect((await call("POST", "/api/projects/tickets/datasets/train/versions", read("train-v1.jsonl"), ndjson)).status).toBe(201);
    expect((await call("POST", "/api/projects/tickets/datasets/train/versions", read("train-v2.jsonl"), ndjson)).status).toBe(201);

    const graders = await call("PUT", "/api/projects/tickets/graders", {
      graders: [
        { type: "json_match", name: "fields", fields: ["category", "priority"] },
        { type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" },
        { type: "custom", name: "priority", path: GRADER },
      ],
      primary_metric: "fields",
    });
    expect(graders.status).toBe(201);
    expect(graders.json.graderSet).toMatchObject({ version: 1, primaryMetric: "fields" });

    // live events while experiments run
    const events: string[] = [];
    const sse = await h.app.request("/api/events");
    const reader = sse.body?.getReader();
    const decoder = new TextDecoder();
    const reading = (async () => {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) return;
        for (const match of decoder.decode(chunk.value).matchAll(/^event: (\w[\w-]*)$/gm)) events.push(match[1] ?? "");
      }
    })();

    const created = [
      await call("POST", "/api/projects/tickets/experiments", { model: "local-tiny", method: "none", name: "baseline" }),
      await call("POST", "/api/projects/tickets/experiments", {
        dataset: "train@1",
        model: "local-tiny",
        hyperparameters: { n_epochs: 3, batch_size: 8 },
      }),
      await call("POST", "/api/projects/tickets/experiments", {
        dataset: "train@2",
        model: "local-tiny",
        hyperparameters: { n_epochs: 3, batch_size: 8 },
      }),
      await call("POST", "/api/projects/tickets/experiments", {
        dataset: "train@2",
        model: "local-tiny",
        hyperparameters: { n_epochs: 12, batch_size: 8, learning_rate_multiplier: 2 },
      }),
    ];
    for (const c of created) expect(c.status, JSON.stringify(c.json)).toBe(201);
    const ids: string[] = created.map((c) => c.json.experiment.id);
    const again = await call("POST", "/api/projects/tickets/experiments", {
      dataset: "train@2",
      model: "local-tiny",
      hyperparameters: { n_epochs: 3, batch_size: 8 },
    });
    expect(again.status).toBe(200);
    expect(again.json.experiment.id).toBe(ids[2]);

    for (const id of ids) {
      for (;;) {
        const { json } = await call("GET", `/api/experiments/${id}`);
        if (["completed", "failed", "cancelled"].includes(json.status)) {
          expect(json.status, json.error).toBe("completed");
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await reader?.cancel();
    await reading.catch(() => {});

    const board = (await call("GET", "/api/projects/tickets/leaderboard")).json;
    expect(board.primaryMetric).toBe("fields");
    expect(board.rows).toHaveLength(4);
    for (const row of board.rows) {
      expect(row.rank).toBeGreaterThanOrEqual(1);
      expect(row.interval.low).toBeLessThanOrEqual(row.score);
      expect(row.interval.high).toBeGreaterThanOrEqual(row.score);
      expect(Object.keys(row.graders).sort()).toEqual(["exact", "fields", "priority"]);
      expect(row.resultCounts.total).toBe(100);
    }
    const scores = board.rows.map((r: { score: number }) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const best = board.rows[0];
    const baseline = board.rows.find((r: { kind: string }) => r.kind === "baseline");
    expect(best.kind).toBe("tuned");
    expect(best.score).toBeGreaterThan(baseline.score);

    const metrics = (await call("GET", `/api/experiments/${ids[3]}/metrics`)).json.data;
    expect(metrics.length).toBeGreaterThan(100);
    expect(metrics.at(-1).train_loss).toBeLessThan(metrics[0].train_loss);

    const comparison = (await call("GET", `/api/compare?a=${baseline.experimentId}&b=${best.experimentId}`)).json;
    expect(comparison.graders.fields.n).toBe(100);
    expect(comparison.graders.fields.delta.mean).toBeGreaterThan(0);
    expect(comparison.graders.fields.delta.ci.low).toBeLessThanOrEqual(comparison.graders.fields.delta.mean);
    expect(comparison.improved.length).toBeGreaterThan(0);
    expect(comparison.improved[0]).toHaveProperty("reference");
    expect(comparison.dataset).toMatchObject({ a: null });
    const reverse = (await call("GET", `/api/compare?a=${best.experimentId}&b=${baseline.experimentId}`)).json;
    expect(reverse.regressed.length).toBe(comparison.improved.length);

    const run = best.evalRunId;
    const failed = (await call("GET", `/api/eval-runs/${run}/samples?status=failed&limit=5`)).json;
    expect(failed.total).toBe(best.resultCounts.failed);
    const billing = (await call("GET", `/api/eval-runs/${run}/samples?tag=billing&limit=500`)).json;
    expect(billing.total).toBeGreaterThan(0);
    expect(billing.data.every((s: { tags: string[] }) => s.tags.includes("billing"))).toBe(true);

    expect(events).toContain("experiment");
    expect(events).toContain("metrics");
    expect(events).toContain("eval");
  }, 180_000); // four trainings and evals: about 80 s on two busy cores, on SQLite and on PostgreSQL alike

  it("a sweep over the engine's prompt loss weight trains each point with its own weight", async () => {
    const { call } = h;
    const sweep = await call("POST", "/api/projects/tickets/sweeps", {
      datasets: ["train@1"],
      model: "local-tiny",
      n_epochs: [1],
      batch_size: [8],
      prompt_loss_weight: [0, 0.5],
    });
    expect(sweep.status, JSON.stringify(sweep.json)).toBe(201);
    const ids: string[] = sweep.json.data.map((r: { experiment: { id: string } }) => r.experiment.id);
    expect(ids).toHaveLength(2);
    const resolved = [];
    for (const id of ids) {
      for (;;) {
        const { json } = await call("GET", `/api/experiments/${id}`);
        if (["completed", "failed", "cancelled"].includes(json.status)) {
          expect(json.status, json.error).toBe("completed");
          resolved.push(json.hyperparameters.resolved);
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(resolved.map((r) => r.prompt_loss_weight)).toEqual([0, 0.5]);
    expect(resolved[0]).toMatchObject({ n_epochs: 1, batch_size: 8 });

    const bad = await call("POST", "/api/projects/tickets/sweeps", { datasets: ["train@1"], model: "local-tiny", prompt_loss_weight: [2] });
    expect(bad.status).toBe(400);
  });
});
