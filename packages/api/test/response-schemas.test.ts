// The API's responses are what its OpenAPI document says: every route declares a response schema (not `{}` nor a bare
// object), and the bodies of key routes, on a real workspace, parse under the very zod schema their route declares
// without losing a property. Also the endpoints the web app needs: the test split split into prompt and reference,
// samples carrying theirs (and searched on the server), the leaderboard sorted on the server.

import type { z } from "@hono/zod-openapi";
import { createExperiment, saveGraderSet, setTestSplit } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scoreExperiment } from "../../../packages/core/src/test-support/score-experiment.ts";
import { apiHarness } from "./api-harness.ts";

let h: Awaited<ReturnType<typeof apiHarness>>;
const ITEMS = 6;
const line = (i: number) =>
  JSON.stringify({
    messages: [
      { role: "system", content: "Route the ticket." },
      { role: "user", content: `ticket ${i}` },
      { role: "assistant", content: i % 2 ? "billing" : "bug" },
      { role: "user", content: "thanks" },
      { role: "assistant", content: [{ type: "text", text: `answer ${i}` }] },
    ],
    tags: [i <= 3 ? "short" : "long"],
  });
const ids: string[] = [];

beforeAll(async () => {
  h = await apiHarness();
  await setTestSplit(h.ws, {
    project: "p",
    fileName: "test.jsonl",
    text: `${Array.from({ length: ITEMS }, (_, i) => line(i + 1)).join("\n")}\n`,
  });
  await saveGraderSet(h.ws, "p", {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  const train = Array.from({ length: 12 }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `training ${i}` },
        { role: "assistant", content: "bug" },
      ],
    }),
  );
  const imported = await h.call("POST", "/api/projects/p/datasets/train/versions?message=first", `${train.join("\n")}\n`, {
    "content-type": "application/x-ndjson",
  });
  expect(imported.status).toBe(201);
  for (const [name, passes] of [
    ["alpha", new Set([1, 2])],
    ["bravo", new Set([1, 2, 3, 4])],
    ["charlie", new Set([5])],
  ] as const) {
    const epochs = ids.length + 1; // a config of its own: the same config twice is the same experiment
    const { experiment } = await createExperiment(h.ws, {
      project: "p",
      dataset: "train@1",
      model: "local-tiny",
      name,
      hyperparameters: { n_epochs: epochs },
    });
    ids.push(experiment.id);
    await scoreExperiment(
      h.ws,
      experiment.id,
      Array.from({ length: ITEMS }, (_, k) => ({
        itemId: String(k + 1),
        tags: [k + 1 <= 3 ? "short" : "long"],
        output: passes.has(k + 1) ? `answer ${k + 1}` : "no idea",
        grades: { exact: { score: passes.has(k + 1) ? 1 : 0, passed: passes.has(k + 1) } },
      })),
    );
  }
}, 60_000);
afterAll(async () => h?.dispose());

interface RouteDefinition {
  type: string;
  route: { method: string; path: string; responses: Record<string, { content?: Record<string, { schema: z.ZodType }> }> };
}

/** The zod schema the route declares for this response: what its handler is typed against and the document shows. */
function declared(method: string, path: string, status: number): z.ZodType {
  const definitions = (h.app as unknown as { openAPIRegistry: { definitions: RouteDefinition[] } }).openAPIRegistry.definitions;
  const bare = path.split("?")[0] ?? path;
  const route = definitions.find(
    (d) =>
      d.type === "route" &&
      d.route.method === method.toLowerCase() &&
      new RegExp(`^${d.route.path.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(bare) &&
      // a literal segment wins over a parameter (`/graders/types` is not `/graders/{x}`)
      !definitions.some((o) => o !== d && o.type === "route" && o.route.path === bare && o.route.method === method.toLowerCase()),
  );
  const schema = route?.route.responses[String(status)]?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`no schema declared for ${method} ${path} ${status}`);
  return schema;
}

/** Calls the route and parses its body with the declared schema: it must parse, and lose nothing in parsing. */
async function conforms(method: string, path: string, body?: unknown) {
  const response = await h.call(method, path, body);
  expect(response.status, JSON.stringify(response.json)).toBeLessThan(300);
  const parsed = declared(method, path, response.status).safeParse(response.json);
  expect(parsed.success ? [] : parsed.error.issues, `${method} ${path}`).toEqual([]);
  expect(JSON.parse(JSON.stringify(parsed.data)), `${method} ${path}: properties the schema does not declare`).toEqual(response.json);
  return response.json;
}

describe("the OpenAPI document", () => {
  it("declares a real response schema for every route and status it answers with success", async () => {
    const doc = (await h.call("GET", "/api/openapi.json")).json;
    const components = doc.components?.schemas ?? {};
    const resolve = (schema: Record<string, unknown>): Record<string, unknown> =>
      typeof schema.$ref === "string" ? resolve(components[schema.$ref.split("/").at(-1) ?? ""] ?? {}) : schema;
    const described = (schema: Record<string, unknown>) =>
      Boolean(schema.properties || schema.items || schema.oneOf || schema.anyOf || schema.allOf || schema.type === "string");
    const problems: string[] = [];
    let routes = 0;
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)) {
      for (const [method, operation] of Object.entries(methods)) {
        routes++;
        const ok = Object.entries(operation.responses).filter(([status]) => status.startsWith("2"));
        if (ok.length === 0) problems.push(`${method} ${path}: no success response`);
        for (const [status, response] of ok) {
          const content = (response as { content?: Record<string, { schema?: Record<string, unknown> }> }).content ?? {};
          if (Object.keys(content).length === 0) problems.push(`${method} ${path} ${status}: no content`);
          for (const [type, { schema }] of Object.entries(content))
            if (!schema || !described(resolve(schema))) problems.push(`${method} ${path} ${status} ${type}: ${JSON.stringify(schema)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(routes).toBeGreaterThanOrEqual(28);
  });
});

describe("responses of key routes parse under their declared schemas", () => {
  it("projects, datasets, versions and the test split", async () => {
    await conforms("GET", "/api/projects");
    await conforms("GET", "/api/projects/p");
    await conforms("GET", "/api/projects/p/datasets");
    await conforms("GET", "/api/projects/p/datasets/train/versions/1");
    await conforms("GET", "/api/projects/p/test-split");
    await conforms("GET", "/api/projects/p/test-split/items?limit=2");
    await conforms("POST", "/api/projects", { name: "q", description: "another" });
  });

  it("graders, experiments, eval runs, the leaderboard and compare", async () => {
    await conforms("GET", "/api/graders/types");
    await conforms("GET", "/api/projects/p/graders");
    await conforms("POST", "/api/graders/test", {
      grader: { type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" },
      sample: "billing",
      item: JSON.parse(line(1)),
    });
    await conforms("GET", "/api/projects/p/experiments");
    const experiment = await conforms("GET", `/api/experiments/${ids[0]}`);
    await conforms("GET", `/api/experiments/${ids[0]}/metrics`);
    await conforms("GET", `/api/eval-runs/${experiment.evalRunId}`);
    await conforms("GET", `/api/eval-runs/${experiment.evalRunId}/samples?sort=status`);
    await conforms("GET", `/api/eval-runs/${experiment.evalRunId}/items`);
    await conforms("GET", "/api/projects/p/leaderboard");
    await conforms("GET", `/api/compare?a=${ids[0]}&b=${ids[1]}`);
    await conforms("GET", "/api/models");
  });
});

describe("what the web app needs, answered by the server", () => {
  it("splits the test split at each line's last assistant message: prompt, reference and the line as stored", async () => {
    const page = await conforms("GET", "/api/projects/p/test-split/prompts?offset=1&limit=2");
    expect(page).toMatchObject({ version: "test@1", total: ITEMS, offset: 1, limit: 2 });
    expect(page.data).toEqual([
      { position: 1, id: "2", prompt: "thanks", reference: "answer 2", tags: ["short"], line: JSON.parse(line(2)) },
      { position: 2, id: "3", prompt: "thanks", reference: "answer 3", tags: ["short"], line: JSON.parse(line(3)) },
    ]);
    expect((await h.call("GET", "/api/projects/p/test-split/prompts?version=9")).status).toBe(404);
  });

  it("gives each sample its item's prompt and reference, and searches them on the server", async () => {
    const run = (await h.call("GET", `/api/experiments/${ids[1]}`)).json.evalRunId;
    const all = await conforms("GET", `/api/eval-runs/${run}/samples`);
    expect(all.data[0]).toMatchObject({ itemId: "1", prompt: "thanks", reference: "answer 1", output: "answer 1" });
    const found = await conforms("GET", `/api/eval-runs/${run}/samples?q=ANSWER%205`);
    expect(found.total).toBe(1);
    expect(found.data.map((s: { itemId: string }) => s.itemId)).toEqual(["5"]);
    const failed = await conforms("GET", `/api/eval-runs/${run}/samples?q=no%20idea&sort=item&order=desc&limit=1`);
    expect(failed.total).toBe(2);
    expect(failed.data.map((s: { itemId: string }) => s.itemId)).toEqual(["6"]);
  });

  it("sorts the leaderboard on the server, and refuses columns it cannot sort", async () => {
    const names = async (query: string) =>
      (await conforms("GET", `/api/projects/p/leaderboard?${query}`)).rows.map((r: { name: string }) => r.name);
    expect(await names("sort=name&order=desc")).toEqual(["charlie", "bravo", "alpha"]);
    expect(await names("sort=score&order=desc")).toEqual(["bravo", "alpha", "charlie"]);
    expect((await h.call("GET", "/api/projects/p/leaderboard?sort=examples")).status).toBe(400);
  });

  it("pages the leaderboard with limit and offset, and says how many rows the board has", async () => {
    const page = await conforms("GET", "/api/projects/p/leaderboard?sort=name&limit=2&offset=1");
    expect(page.rows.map((r: { name: string }) => r.name)).toEqual(["bravo", "charlie"]);
    expect({ total: page.total, offset: page.offset, limit: page.limit }).toEqual({ total: 3, offset: 1, limit: 2 });
    expect((await conforms("GET", "/api/projects/p/leaderboard?sort=name&offset=3")).rows).toEqual([]);
    expect((await h.call("GET", "/api/projects/p/leaderboard?offset=-1")).status).toBe(400);
  });
});

describe("an older test split's leaderboard", () => {
  it("is served with ?split=test@1 (or 1) after the split changed, is documented, and refuses an unknown or malformed split", async () => {
    const split = await setTestSplit(h.ws, {
      project: "p",
      fileName: "test2.jsonl",
      text: `${Array.from({ length: ITEMS }, (_, i) => line(i + 101)).join("\n")}\n`,
    });
    expect(split.status).toBe("created");
    const { experiment } = await createExperiment(h.ws, {
      project: "p",
      dataset: "train@1",
      model: "local-tiny",
      name: "delta",
      hyperparameters: { n_epochs: 9 },
    });
    await scoreExperiment(
      h.ws,
      experiment.id,
      Array.from({ length: ITEMS }, (_, k) => ({ itemId: String(k + 101), grades: { exact: { score: 1, passed: true } } })),
    );
    const board = async (query: string) => {
      const body = await conforms("GET", `/api/projects/p/leaderboard${query}`);
      return {
        split: [body.testSplit, body.currentTestSplit],
        rows: body.rows.map((r: { name: string; rank: number }) => `${r.name}:${r.rank}`),
      };
    };
    expect(await board("")).toEqual({ split: ["test@2", "test@2"], rows: ["delta:1"] });
    const old = { split: ["test@1", "test@2"], rows: ["bravo:1", "alpha:2", "charlie:3"] };
    expect(await board("?split=test@1")).toEqual(old);
    expect(await board("?split=1")).toEqual(old);
    expect(await board("?split=test@2")).toEqual({ split: ["test@2", "test@2"], rows: ["delta:1"] });
    // with the other query parameters
    expect(await board("?split=test@1&sort=name&limit=2&offset=1")).toEqual({ split: old.split, rows: ["bravo:1", "charlie:3"] });

    const unknown = await h.call("GET", "/api/projects/p/leaderboard?split=test@7");
    expect([unknown.status, unknown.json.error.code, unknown.json.error.message]).toEqual([
      404,
      "not_found",
      "project p has no test split test@7 (its test splits: test@1, test@2)",
    ]);
    for (const bad of ["train@1", "test@0", "x"]) {
      const refused = await h.call("GET", `/api/projects/p/leaderboard?split=${bad}`);
      expect([refused.status, refused.json.error.code], bad).toEqual([400, "invalid_argument"]);
      expect(refused.json.error.message, bad).toMatch(/^split: expected test@N or N, e\.g\. test@1/);
    }

    const doc = (await h.call("GET", "/api/openapi.json")).json;
    const param = doc.paths["/projects/{project}/leaderboard"].get.parameters.find((p: { name: string }) => p.name === "split");
    expect(param).toMatchObject({
      in: "query",
      required: false,
      schema: { type: "string", pattern: expect.any(String), example: "test@1" },
    });
    expect(param.description).toContain("test@N, or just N");
    expect(doc.components.schemas.Leaderboard.properties).toHaveProperty("testSplit");
  });
});

describe("an older grader set's leaderboard", () => {
  it("is served with ?graders=graders@1 (or 1) after the graders changed, with ?split= too, is documented, and refuses an unknown or malformed one", async () => {
    // (after the test above: test@2 is current; test@1 has alpha, bravo and charlie, test@2 delta, all with graders@1)
    await saveGraderSet(h.ws, "p", {
      graders: [
        { type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "like" },
      ],
    });
    const { experiment } = await createExperiment(h.ws, {
      project: "p",
      dataset: "train@1",
      model: "local-tiny",
      name: "echo",
      hyperparameters: { n_epochs: 11 },
    });
    await scoreExperiment(
      h.ws,
      experiment.id,
      Array.from({ length: ITEMS }, (_, k) => ({ itemId: String(k + 101), grades: { exact: { score: 1, passed: true } } })),
    );
    const board = async (query: string) => {
      const body = await conforms("GET", `/api/projects/p/leaderboard${query}`);
      return {
        on: [body.testSplit, body.graderSet, body.currentGraderSet],
        rows: body.rows.map((r: { name: string; rank: number }) => `${r.name}:${r.rank}`),
      };
    };
    expect(await board("")).toEqual({ on: ["test@2", "graders@2", "graders@2"], rows: ["echo:1"] });
    expect(await board("?graders=graders@2")).toEqual({ on: ["test@2", "graders@2", "graders@2"], rows: ["echo:1"] });
    expect(await board("?graders=graders@1")).toEqual({ on: ["test@2", "graders@1", "graders@2"], rows: ["delta:1"] });
    const first = { on: ["test@1", "graders@1", "graders@2"], rows: ["bravo:1", "alpha:2", "charlie:3"] };
    expect(await board("?split=test@1&graders=graders@1")).toEqual(first);
    expect(await board("?split=1&graders=1")).toEqual(first);
    // with the other query parameters
    expect(await board("?split=test@1&graders=1&sort=name&limit=2&offset=1")).toEqual({ on: first.on, rows: ["bravo:1", "charlie:3"] });

    const unknown = await h.call("GET", "/api/projects/p/leaderboard?graders=graders@9");
    expect([unknown.status, unknown.json.error.code, unknown.json.error.message]).toEqual([
      404,
      "not_found",
      "project p has no grader set graders@9 (its grader sets: graders@1, graders@2)",
    ]);
    for (const bad of ["test@1", "graders@0", "x"]) {
      const refused = await h.call("GET", `/api/projects/p/leaderboard?graders=${bad}`);
      expect([refused.status, refused.json.error.code], bad).toEqual([400, "invalid_argument"]);
      expect(refused.json.error.message, bad).toMatch(/^graders: expected graders@N or N, e\.g\. graders@1/);
    }

    const doc = (await h.call("GET", "/api/openapi.json")).json;
    const param = doc.paths["/projects/{project}/leaderboard"].get.parameters.find((p: { name: string }) => p.name === "graders");
    expect(param).toMatchObject({
      in: "query",
      required: false,
      schema: { type: "string", pattern: expect.any(String), example: "graders@1" },
    });
    expect(param.description).toContain("graders@N, or just N");
    expect(doc.components.schemas.Leaderboard.properties).toHaveProperty("graderSet");
    expect(doc.components.schemas.Leaderboard.properties).toHaveProperty("currentGraderSet");
  });
});
