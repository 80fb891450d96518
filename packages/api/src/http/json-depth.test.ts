// JSON bodies nested deeper than MAX_JSON_DEPTH are a 400 naming the limit on /api and /v1 (the real app and engine),
// never a 500 from a stack overflow in whatever walks the body; and the depth scan itself.
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "../../test/api-harness.ts";
import { onError } from "./errors.ts";
import { nestsDeeperThan } from "./json-depth.ts";
import { MAX_JSON_DEPTH } from "./json-depth-limit.ts";

const nested = (depth: number, open = "[", close = "]") => `${open.repeat(depth)}${close.repeat(depth)}`;
const bytes = (text: string) => new TextEncoder().encode(text);
const GRADER = { type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "x", operation: "eq" };
/** POST /api/graders/test with a test item whose `x` is the given JSON text. */
const graderTest = (x: string) => `{"grader":${JSON.stringify(GRADER)},"sample":"x","item":{"x":${x}}}`;

let api: Awaited<ReturnType<typeof apiHarness>>;
beforeAll(async () => {
  api = await apiHarness();
});
afterAll(async () => {
  await api?.dispose();
});

describe("deeply nested JSON bodies", () => {
  it("a test item nested 200,000 deep is a 400 naming the limit, not a 500", async () => {
    const { status, json } = await api.call("POST", "/api/graders/test", graderTest(nested(200_000)), {
      "content-type": "application/json",
    });
    expect(status).toBe(400);
    expect(json.error.code).toBe("invalid_argument");
    expect(json.error.message).toContain(`${MAX_JSON_DEPTH} levels`);
  });

  it("the limit counts arrays and objects together; a body at the limit is served", async () => {
    // the body's own object and `item` are two levels
    const at = await api.call("POST", "/api/graders/test", graderTest(nested(MAX_JSON_DEPTH - 2)), { "content-type": "application/json" });
    expect(at.status).toBe(200);
    expect(at.json.passed).toBe(true);
    const mixed = `${'{"a":['.repeat(MAX_JSON_DEPTH / 2)}1${"]}".repeat(MAX_JSON_DEPTH / 2)}`;
    const over = await api.call("POST", "/api/graders/test", graderTest(mixed), { "content-type": "application/json" });
    expect(over.status).toBe(400);
    expect(over.json.error.message).toContain(`${MAX_JSON_DEPTH} levels`);
  });

  it("on /v1 the refusal is OpenAI's error shape, before the engine reads the body", async () => {
    const metadata = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
    const body = `{"model":"local-tiny","messages":[{"role":"user","content":"hi"}],"metadata":${metadata}}`;
    const response = await api.app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(400);
    const json = (await response.json()) as { error: { message: string; type: string } };
    expect(json.error.type).toBe("invalid_request_error");
    expect(json.error.message).toContain(`${MAX_JSON_DEPTH} levels`);
  });

  it("a body within the limit reaches the route unchanged, brackets and quotes in its strings too", async () => {
    expect((await api.call("POST", "/api/projects", { name: "depth", description: 'é [ { " ] }' })).status).toBe(201);
    const project = await api.call("GET", "/api/projects/depth");
    expect(project.json.description).toBe('é [ { " ] }');
  });

  it("a stack overflow while handling a request body is a 400, never a 500 (the error handler's own guard)", async () => {
    // a route with no depth guard in front of it, answering the body back: JSON.stringify overflows the stack
    const app = new Hono();
    app.post("/echo", async (c) => c.json(await c.req.json()));
    app.onError(onError);
    const response = await app.request("/echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: nested(200_000),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(`${MAX_JSON_DEPTH} levels`);
  });
});

describe("nestsDeeperThan", () => {
  it("counts arrays and objects, skipping brackets in strings and escaped quotes", () => {
    expect(nestsDeeperThan(bytes(nested(3)), 3)).toBe(false);
    expect(nestsDeeperThan(bytes(nested(4)), 3)).toBe(true);
    expect(nestsDeeperThan(bytes('{"a":{"b":[1]}}'), 3)).toBe(false);
    expect(nestsDeeperThan(bytes('{"a":{"b":[[1]]}}'), 3)).toBe(true);
    expect(nestsDeeperThan(bytes(`["${"[".repeat(50)}"]`), 3)).toBe(false);
    expect(nestsDeeperThan(bytes(`["\\"${"[".repeat(50)}"]`), 3)).toBe(false);
    expect(nestsDeeperThan(bytes(`["\\\\",${nested(3)}]`), 3)).toBe(true);
    // siblings do not add up
    expect(nestsDeeperThan(bytes(`[${Array(100).fill(nested(2)).join(",")}]`), 3)).toBe(false);
  });
});
