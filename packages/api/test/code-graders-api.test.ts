import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { closeWorkspace, saveGraderSet, type Workspace } from "@tunelab/core";
import { createEngine, type Engine } from "@tunelab/engine";
import { parseGraderConfig } from "@tunelab/evals";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServices, createApiApp, createServices } from "../src/index.ts";

// The trust model: graders that run code (python, custom) are refused over HTTP unless the server opted in with
// `tunelab serve --allow-code-graders`; the CLI (the user's own code) registers them freely.

const SECRETS = { TUNELAB_TOKEN: "tl-secret-token", OPENAI_API_KEY: "sk-secret-key" };
let home: string;
let marks: string;
let ws: Workspace;
let engine: Engine;
let services: ApiServices;
let refusing: ReturnType<typeof createApiApp>;
let allowing: ReturnType<typeof createApiApp>;

/** A python grader that leaves a file (with the environment it saw) for every sample it grades: proof that it ran. */
const marker = (name: string) => ({
  type: "python",
  name,
  source: `
import json, os, uuid
def grade(sample, item):
    with open(os.path.join(${JSON.stringify(marks)}, "${name}-" + uuid.uuid4().hex), "w") as f:
        json.dump(dict(os.environ), f)
    return 1.0
`,
});

import { openTestWorkspace } from "../../../packages/core/src/test-support/test-database.ts";

const ran = (name: string) => readdirSync(marks).filter((f) => f.startsWith(`${name}-`));

const item = (text: string, label: string) =>
  JSON.stringify({
    messages: [
      { role: "user", content: text },
      { role: "assistant", content: label },
    ],
  });

async function call(app: ReturnType<typeof createApiApp>, method: string, path: string, body?: unknown) {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers = { "content-type": typeof body === "string" ? "application/x-ndjson" : "application/json" };
  }
  const response = await app.request(path, init);
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route returned
  return { status: response.status, json: (await response.json()) as any };
}

async function count(table: "grader_sets" | "eval_runs" | "eval_samples" | "experiments"): Promise<number> {
  const row = await ws.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

beforeAll(async () => {
  Object.assign(process.env, SECRETS);
  home = mkdtempSync(join(tmpdir(), "tunelab-code-graders-"));
  marks = join(home, "marks");
  rmSync(marks, { force: true, recursive: true });
  (await import("node:fs")).mkdirSync(marks);
  ws = await openTestWorkspace(home);
  engine = await createEngine({ root: join(home, "engine") });
  services = createServices({
    ws,
    engine,
    config: { providers: {} },
    pollMs: 50,
    samplingParams: { temperature: 0, seed: 0, max_tokens: 8 },
  });
  refusing = createApiApp({ services });
  allowing = createApiApp({ services, allowCodeGraders: true });
  for (const project of ["refused", "allowed"]) {
    expect((await call(refusing, "POST", "/api/projects", { name: project })).status).toBe(201);
    const split = [item("hello", "greeting"), item("my card was charged twice", "billing"), item("app crashes", "technical")].join("\n");
    expect((await call(refusing, "PUT", `/api/projects/${project}/test-split`, split)).status).toBe(201);
  }
});
afterAll(async () => {
  for (const name of Object.keys(SECRETS)) delete process.env[name];
  await services.close();
  await engine.close();
  await closeWorkspace(ws);
  rmSync(home, { recursive: true, force: true });
});

describe("code graders over HTTP without --allow-code-graders", () => {
  it("refuses to register python, custom and multi-with-python graders: 403 code_graders_disabled, nothing stored", async () => {
    const before = await count("grader_sets");
    const sets = [
      { graders: [marker("py")] },
      [{ type: "custom", name: "mine", path: "graders/mine.ts" }],
      { type: "multi", name: "combo", calculate_output: "inner", graders: { inner: marker("inner") } },
      { testing_criteria: [{ type: "string_check", name: "ok", input: "a", reference: "a", operation: "eq" }, marker("py")] },
    ];
    for (const body of sets) {
      const response = await call(refusing, "PUT", "/api/projects/refused/graders", body);
      expect(response.status, JSON.stringify(body)).toBe(403);
      expect(response.json.error.code).toBe("code_graders_disabled");
      expect(response.json.error.message).toContain("tunelab serve --allow-code-graders");
    }
    expect((await call(refusing, "PUT", "/api/projects/refused/graders", { graders: [marker("py")] })).json.error).toMatchObject({
      message: expect.stringContaining('grader "py" (python) runs code on the server'),
      details: { graders: [{ name: "py", type: "python" }] },
    });
    expect(await count("grader_sets")).toBe(before);
  });

  it("refuses to try one at /api/graders/test, also inside multi, without running it", async () => {
    for (const grader of [marker("tried"), { type: "multi", name: "m", calculate_output: "tried", graders: { tried: marker("tried") } }]) {
      const response = await call(refusing, "POST", "/api/graders/test", { grader, sample: "x" });
      expect(response.status).toBe(403);
      expect(response.json.error.code).toBe("code_graders_disabled");
    }
    expect(ran("tried")).toEqual([]);
  });

  it("refuses eval runs and experiments that would run code graders registered from the CLI; nothing stored or run", async () => {
    // the CLI path (`tunelab graders add`): the user's own code, accepted
    await saveGraderSet(ws, "refused", { graders: [parseGraderConfig(marker("cli"))] });
    const before = { runs: await count("eval_runs"), experiments: await count("experiments") };
    const run = await call(refusing, "POST", "/api/projects/refused/eval-runs", { model: "local-tiny" });
    expect(run.status).toBe(403);
    expect(run.json.error.code).toBe("code_graders_disabled");
    expect(run.json.error.message).toContain("does not run code graders over HTTP");
    for (const [path, body] of [
      ["experiments", { model: "local-tiny", method: "none" }],
      ["experiments", { dataset: "train@1", model: "local-tiny" }],
      ["sweeps", { datasets: ["train@1"], model: "local-tiny" }],
    ] as const) {
      const response = await call(refusing, "POST", `/api/projects/refused/${path}`, body);
      expect(response.status, path).toBe(403);
      expect(response.json.error.code).toBe("code_graders_disabled");
    }
    expect({ runs: await count("eval_runs"), experiments: await count("experiments") }).toEqual(before);
    await sleep(200);
    expect(ran("cli")).toEqual([]);
  });

  it("runners of a server without the opt-in refuse them too (work resumed or started outside the routes)", async () => {
    const locked = createServices({ ws, engine, config: { providers: {} }, allowCodeGraders: false });
    try {
      await expect(locked.evalRuns.create({ project: "refused", model: "local-tiny" })).rejects.toMatchObject({
        code: "code_graders_disabled",
      });
    } finally {
      await locked.close();
    }
  });
});

describe("code graders over HTTP with --allow-code-graders", () => {
  it("registers, tries and runs a python grader, which sees no secrets", async () => {
    const put = await call(allowing, "PUT", "/api/projects/allowed/graders", { graders: [marker("allowed")] });
    expect(put.status, JSON.stringify(put.json)).toBe(201);

    const tried = await call(allowing, "POST", "/api/graders/test", { grader: marker("tried-allowed"), sample: "x" });
    expect(tried.status).toBe(200);
    expect(tried.json).toMatchObject({ score: 1, passed: true, status: "passed" });
    expect(ran("tried-allowed")).toHaveLength(1);

    const created = await call(allowing, "POST", "/api/projects/allowed/eval-runs", { model: "local-tiny" });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    let run = created.json;
    for (let i = 0; i < 600 && !["completed", "failed", "cancelled"].includes(run.status); i++) {
      await sleep(100);
      run = (await call(allowing, "GET", `/api/eval-runs/${created.json.id}`)).json;
    }
    expect(run.status, JSON.stringify(run)).toBe("completed");
    const samples = (await call(allowing, "GET", `/api/eval-runs/${created.json.id}/samples`)).json;
    expect(samples.data).toHaveLength(3);
    for (const sample of samples.data) expect(sample.grades.allowed).toMatchObject({ score: 1, passed: true });
    const files = ran("allowed");
    expect(files).toHaveLength(3);
    for (const file of files) {
      const env = JSON.parse(readFileSync(join(marks, file), "utf8")) as Record<string, string>;
      expect(env.TUNELAB_TOKEN).toBeUndefined();
      expect(env.OPENAI_API_KEY).toBeUndefined();
      expect(existsSync(env.HOME ?? "")).toBe(false);
    }
  });
});
