import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempWorkspace } from "../../../packages/core/src/test-support/temp-workspace.ts";
import { createApiApp, createServices } from "../src/index.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const read = (name: string) => readFileSync(`${EXAMPLES}${name}`, "utf8");

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let app: ReturnType<typeof createApiApp>;
beforeAll(async () => {
  ws = await tempWorkspace();
  app = createApiApp({ services: createServices({ ws, config: { providers: {} } }), maxBodyBytes: 1024 * 1024 });
});
afterAll(async () => ws.dispose());

const ndjson = (body: string) => ({ method: "POST", body, headers: { "content-type": "application/x-ndjson" } });

describe("datasets over HTTP", () => {
  it("creates a project, sets the test split, uploads two versions and diffs them", async () => {
    expect(
      (
        await app.request("/api/projects", {
          method: "POST",
          body: JSON.stringify({ name: "tickets" }),
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(201);
    const split = await app.request("/api/projects/tickets/test-split", { ...ndjson(read("test.jsonl")), method: "PUT" });
    expect(split.status).toBe(201);
    expect(await split.json()).toMatchObject({ test: { ref: "test@1", exampleCount: 100 } });

    const v1 = await app.request("/api/projects/tickets/datasets/train/versions?message=first", ndjson(read("train-v1.jsonl")));
    expect(v1.status).toBe(201);
    const v2 = await app.request("/api/projects/tickets/datasets/train/versions", ndjson(read("train-v2.jsonl")));
    expect(await v2.json()).toMatchObject({ status: "created", version: { ref: "train@2" } });
    const again = await app.request("/api/projects/tickets/datasets/train/versions", ndjson(read("train-v2.jsonl")));
    expect(again.status).toBe(200);

    const diff = (await (await app.request("/api/projects/tickets/datasets/train/diff?from=1&to=2")).json()) as {
      added: unknown[];
      removed: unknown[];
    };
    expect([diff.added.length, diff.removed.length]).toEqual([360, 0]);
    const content = await app.request("/api/projects/tickets/datasets/train/versions/1/content");
    expect((await content.text()).split("\n")).toHaveLength(121);

    const list = (await (await app.request("/api/projects/tickets/datasets")).json()) as {
      data: Array<{ name: string; versions: unknown[] }>;
    };
    expect(list.data.map((d) => [d.name, d.versions.length])).toEqual([
      ["test", 1],
      ["train", 2],
    ]);
  });

  it("answers 422 with the report for a bad file and writes nothing", async () => {
    const before = await ws.db
      .selectFrom("dataset_versions")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    const response = await app.request(
      "/api/projects/tickets/datasets/train/versions",
      ndjson('{"messages": [{"role": "robot", "content": "x"}]}\n'),
    );
    expect(response.status).toBe(422);
    const body = (await response.json()) as {
      error: { code: string; details: { issues: Array<{ severity: string; code: string; line: number }> } };
    };
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.issues.filter((i) => i.severity === "error")).toEqual([
      expect.objectContaining({ code: "unrecognized_role", line: 1 }),
    ]);
    const after = await ws.db
      .selectFrom("dataset_versions")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it("answers bad input with 4xx, never 5xx", async () => {
    const cases: Array<[string, RequestInit | undefined]> = [
      ["/api/projects", { method: "POST", body: "{not json", headers: { "content-type": "application/json" } }],
      ["/api/projects", { method: "POST", body: JSON.stringify({ name: 42 }), headers: { "content-type": "application/json" } }],
      ["/api/projects", { method: "POST", body: JSON.stringify({ name: "../../etc" }), headers: { "content-type": "application/json" } }],
      ["/api/projects/..%2F..%2Fetc", undefined],
      ["/api/projects/tickets/datasets/..%2Fsecret/versions/1", undefined],
      ["/api/projects/tickets/datasets/train/versions/999", undefined],
      ["/api/projects/tickets/datasets/train/versions/abc", undefined],
      ["/api/projects/tickets/datasets/train/diff?from=1", undefined],
      ["/api/projects/nope/datasets", undefined],
      ["/api/projects/tickets/test-split?fraction=7", { method: "PUT", body: "x" }],
      ["/api/projects/tickets/datasets/train/versions", ndjson("x".repeat(2 * 1024 * 1024))],
      ["/api/nowhere", undefined],
    ];
    for (const [path, init] of cases) {
      const response = await app.request(path, init);
      expect(response.status, `${path} -> ${response.status}`).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.message.length, path).toBeGreaterThan(0);
    }
  });

  it("serves an OpenAPI document", async () => {
    const doc = (await (await app.request("/api/openapi.json")).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/projects/{project}/datasets/{dataset}/versions");
  });

  it("requires the bearer token when one is set", async () => {
    const locked = createApiApp({ services: createServices({ ws, config: { providers: {} } }), token: "s3cret" });
    expect((await locked.request("/api/projects")).status).toBe(401);
    expect((await locked.request("/api/projects", { headers: { authorization: "Bearer wrong!" } })).status).toBe(401);
    expect((await locked.request("/api/projects", { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
  });
});
