// GET /api/projects/P/experiments pages as the leaderboard does: `limit` (default 1,000, at most 10,000) and `offset`,
// the body saying `total`, `offset` and `limit` (and the OpenAPI document saying so too); a bad value is a 400 naming
// the field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "./api-harness.ts";

let h: Awaited<ReturnType<typeof apiHarness>>;
const names = ["a", "b", "c", "d", "e"];
beforeAll(async () => {
  h = await apiHarness();
  expect((await h.call("POST", "/api/projects", { name: "p" })).status).toBe(201);
  for (const name of names) {
    const created = await h.call("POST", "/api/projects/p/experiments", {
      model: "local-tiny",
      method: "none",
      name,
      force: true,
      run: false,
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
  }
});
afterAll(async () => h?.dispose());

const list = (query: string) => h.call("GET", `/api/projects/p/experiments${query}`);

describe("the experiments list", () => {
  it("gives every experiment up to the default limit of 1,000, oldest first, with total, offset and limit", async () => {
    const { status, json } = await list("");
    expect(status).toBe(200);
    expect(json.data.map((e: { name: string }) => e.name)).toEqual(names);
    expect({ total: json.total, offset: json.offset, limit: json.limit }).toEqual({ total: 5, offset: 0, limit: 1_000 });
  });

  it("pages with limit and offset", async () => {
    const page = (await list("?limit=2&offset=1")).json;
    expect(page.data.map((e: { name: string }) => e.name)).toEqual(["b", "c"]);
    expect({ total: page.total, offset: page.offset, limit: page.limit }).toEqual({ total: 5, offset: 1, limit: 2 });
    expect((await list("?limit=2&offset=4")).json.data.map((e: { name: string }) => e.name)).toEqual(["e"]);
    const past = (await list("?offset=5")).json;
    expect({ data: past.data, total: past.total }).toEqual({ data: [], total: 5 });
    expect((await list("?limit=10000")).json.data).toHaveLength(5);
  });

  it("refuses a bad limit or offset with a 400 naming the field", async () => {
    for (const [query, field] of [
      ["?limit=0", "limit"],
      ["?limit=10001", "limit"],
      ["?limit=abc", "limit"],
      ["?limit=2.5", "limit"],
      ["?limit=1e9", "limit"],
      ["?offset=-1", "offset"],
      ["?offset=x", "offset"],
    ] as const) {
      const { status, json } = await list(query);
      expect(status, query).toBe(400);
      expect(json.error.code, query).toBe("invalid_argument");
      expect(json.error.message, query).toMatch(new RegExp(`^${field}: `));
    }
  });

  it("documents the query and the page's fields in the OpenAPI document", async () => {
    const doc = (await h.call("GET", "/api/openapi.json")).json;
    const get = doc.paths["/projects/{project}/experiments"].get;
    const query = get.parameters.filter((p: { in: string }) => p.in === "query");
    expect(Object.fromEntries(query.map((p: { name: string; schema: object }) => [p.name, p.schema]))).toMatchObject({
      limit: { type: "integer", minimum: 1, maximum: 10_000 },
      offset: { minimum: 0 },
    });
    const list = doc.components.schemas.ExperimentList;
    expect(list.required).toEqual(expect.arrayContaining(["data", "total", "offset", "limit"]));
    expect(list.properties.total).toMatchObject({ type: "integer" });
  });
});
