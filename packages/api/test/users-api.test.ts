// Per-user access (issue 14): viewers read, editors change, admins also register graders that run code; TUNELAB_TOKEN
// stays an admin token; once a user exists a token is required; who created experiments and dataset versions is
// recorded. All on the real API app over a real workspace.
import { addUser } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp } from "../src/index.ts";
import { apiHarness } from "./api-harness.ts";

const TOKEN = "tl-shared-admin-token";
let h: Awaited<ReturnType<typeof apiHarness>>;
let shared: ReturnType<typeof createApiApp>;
const tokens: Record<"viewer" | "editor" | "admin", string> = { viewer: "", editor: "", admin: "" };

beforeAll(async () => {
  h = await apiHarness({ allowCodeGraders: true });
  shared = createApiApp({ services: h.services, token: TOKEN, allowCodeGraders: true });
});
afterAll(async () => h.dispose());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ndjson = { "content-type": "application/x-ndjson" };
const line = (text: string, label: string) =>
  JSON.stringify({
    messages: [
      { role: "user", content: text },
      { role: "assistant", content: label },
    ],
  });
const data = `${Array.from({ length: 12 }, (_, i) => line(`ticket ${i} about ${i % 2 ? "billing" : "login"}`, i % 2 ? "billing" : "auth")).join("\n")}\n`;
const testData = `${Array.from({ length: 6 }, (_, i) => line(`held-out ${i} ${i % 2 ? "refund" : "password"}`, i % 2 ? "billing" : "auth")).join("\n")}\n`;
const python = { type: "python", name: "py", source: "def grade(sample, item):\n    return 1.0\n" };
const check = { type: "string_check", name: "exact", operation: "eq", input: "{{sample.output_text}}", reference: "{{item.reference}}" };
const count = async (table: "experiments" | "dataset_versions" | "grader_sets") =>
  Number(
    (
      await h.ws.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe("users and roles over the API", () => {
  it("is open with no TUNELAB_TOKEN and no users, and needs a token once a user exists", async () => {
    expect((await h.call("GET", "/api/projects")).status).toBe(200);
    expect((await h.call("GET", "/api/session")).json).toEqual({ tokenRequired: false, authenticated: true });
    for (const role of ["viewer", "editor", "admin"] as const) tokens[role] = (await addUser(h.ws.db, { name: `${role}-1`, role })).token;
    for (const headers of [{}, bearer("tlu_not-a-real-token"), bearer(`${tokens.viewer}x`)]) {
      const response = await h.call("GET", "/api/projects", undefined, headers);
      expect(response.status).toBe(401);
      expect(response.json.error.code).toBe("unauthorized");
    }
    expect((await h.call("GET", "/v1/models")).status).toBe(401);
    expect((await h.call("GET", "/api/session")).json).toEqual({ tokenRequired: true, authenticated: false });
    expect((await h.call("GET", "/api/session", undefined, bearer(tokens.viewer))).json).toEqual({
      tokenRequired: true,
      authenticated: true,
    });
    expect((await h.call("GET", "/api/projects", undefined, bearer(tokens.viewer))).status).toBe(200);
  });

  it("refuses every write of a viewer with 403 forbidden naming the role needed, and stores nothing", async () => {
    const as = bearer(tokens.viewer);
    const before = { experiments: await count("experiments"), versions: await count("dataset_versions") };
    const writes = [
      await h.call("POST", "/api/projects", { name: "tickets" }, as),
      await h.call("POST", "/api/projects/tickets/datasets/train/versions", data, { ...as, ...ndjson }),
      await h.call("POST", "/api/projects/tickets/experiments", { model: "local-tiny", method: "none", name: "baseline" }, as),
      await h.call("PUT", "/api/projects/tickets/graders", { graders: [check] }, as),
    ];
    for (const w of writes) {
      expect(w.status).toBe(403);
      expect(w.json.error.code).toBe("forbidden");
      expect(w.json.error.message).toMatch(/needs the editor role; user "viewer-1" has the viewer role/);
    }
    expect((await h.call("POST", "/v1/chat/completions", { model: "local-tiny", messages: [] }, as)).status).toBe(403);
    expect({ experiments: await count("experiments"), versions: await count("dataset_versions") }).toEqual(before);
  });

  it("lets an editor import data and create experiments, recorded as theirs", async () => {
    const as = bearer(tokens.editor);
    const split = await h.call("PUT", "/api/projects/tickets/test-split", testData, { ...as, ...ndjson });
    expect(split.status, JSON.stringify(split.json)).toBe(201);
    expect(split.json.test.createdBy).toBe("editor-1");
    const imported = await h.call("POST", "/api/projects/tickets/datasets/train/versions", data, { ...as, ...ndjson });
    expect(imported.status).toBe(201);
    expect(imported.json.version.createdBy).toBe("editor-1");
    // graders that run no code are an editor's
    expect((await h.call("PUT", "/api/projects/tickets/graders", { graders: [check] }, as)).status).toBe(201);
    const created = await h.call(
      "POST",
      "/api/projects/tickets/experiments",
      { model: "local-tiny", method: "none", name: "baseline" },
      as,
    );
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.experiment.createdBy).toBe("editor-1");
    const shown = await h.call("GET", `/api/experiments/${created.json.experiment.id}`, undefined, bearer(tokens.viewer));
    expect(shown.status).toBe(200);
    expect(JSON.stringify(shown.json)).toContain('"createdBy":"editor-1"');
  });

  it("refuses an editor a grader that runs code (even with --allow-code-graders), and lets an admin register it", async () => {
    const before = await count("grader_sets");
    const refused = await h.call("PUT", "/api/projects/tickets/graders", { graders: [check, python] }, bearer(tokens.editor));
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe("forbidden");
    expect(refused.json.error.message).toMatch(/needs the admin role; user "editor-1" has the editor role/);
    const tried = await h.call("POST", "/api/graders/test", { grader: python, sample: "x", item: {} }, bearer(tokens.editor));
    expect([tried.status, tried.json.error?.code]).toEqual([403, "forbidden"]);
    expect(await count("grader_sets")).toBe(before);
    expect((await h.call("PUT", "/api/projects/tickets/graders", { graders: [check, python] }, bearer(tokens.admin))).status).toBe(201);
    expect(await count("grader_sets")).toBe(before + 1);
  });

  it("keeps TUNELAB_TOKEN an admin token beside users, recorded as TUNELAB_TOKEN", async () => {
    const call = async (method: string, path: string, body: unknown, token: string) => {
      const response = await shared.request(path, {
        method,
        headers: { "content-type": "application/json", ...bearer(token) },
        body: JSON.stringify(body),
      });
      // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route returned
      return { status: response.status, json: (await response.json()) as any };
    };
    const graders = { graders: [check, { ...python, name: "py2" }] };
    expect((await call("PUT", "/api/projects/tickets/graders", graders, TOKEN)).status).toBe(201);
    expect((await call("PUT", "/api/projects/tickets/graders", graders, tokens.editor)).status).toBe(403);
    const created = await call(
      "POST",
      "/api/projects/tickets/experiments",
      { model: "local-tiny", method: "none", name: "b2", force: true },
      TOKEN,
    );
    expect(created.status).toBe(201);
    expect(created.json.experiment.createdBy).toBe("TUNELAB_TOKEN");
    expect((await shared.request("/api/projects")).status).toBe(401);
  });

  it("signs the web app in with a user's token; the session cookie carries the user's role", async () => {
    const signIn = await h.app.request("/api/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: tokens.viewer }),
    });
    expect(signIn.status).toBe(204);
    const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? "";
    expect(cookie).not.toContain(tokens.viewer);
    expect((await h.call("GET", "/api/projects", undefined, { cookie })).status).toBe(200);
    expect((await h.call("POST", "/api/projects", { name: "other" }, { cookie })).status).toBe(403);
    const wrong = await h.app.request("/api/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: "tlu_unknown" }),
    });
    expect(wrong.status).toBe(401);
    const link = await h.app.request(`/login?token=${encodeURIComponent(tokens.editor)}`, { redirect: "manual" });
    expect(link.status).toBe(302);
    expect(link.headers.get("location")).toBe("/");
    const editorCookie = link.headers.get("set-cookie")?.split(";")[0] ?? "";
    expect((await h.call("GET", "/api/projects", undefined, { cookie: editorCookie })).status).toBe(200);
  });

  it("lets only admins list, add and remove users over the API; a removed user's token stops working", async () => {
    const attempts: Array<[string, string, unknown]> = [
      ["GET", "/api/users", undefined],
      ["POST", "/api/users", { name: "mallory", role: "admin" }],
      ["DELETE", "/api/users/viewer-1", undefined],
    ];
    for (const role of ["viewer", "editor"] as const) {
      for (const [method, path, body] of attempts) {
        const refused = await h.call(method, path, body, bearer(tokens[role]));
        expect(refused.status, `${role} ${method} ${path}`).toBe(403);
        expect(refused.json.error.code).toBe("forbidden");
      }
    }
    const editorTry = await h.call("POST", "/api/users", { name: "mallory", role: "admin" }, bearer(tokens.editor));
    expect(editorTry.json.error.message).toBe('to add users needs the admin role; user "editor-1" has the editor role');
    expect(
      (await h.call("GET", "/api/users", undefined, bearer(tokens.admin))).json.data.map((u: { name: string }) => u.name),
    ).not.toContain("mallory");

    const added = await h.call("POST", "/api/users", { name: "ana", role: "editor" }, bearer(tokens.admin));
    expect(added.status).toBe(201);
    expect(added.json.user).toMatchObject({ name: "ana", role: "editor", lastUsedAt: null });
    const anaToken = added.json.token as string;
    expect(anaToken).toMatch(/^tlu_/);
    expect((await h.call("POST", "/api/projects", { name: "anas-project" }, bearer(anaToken))).status).toBe(201);
    expect((await h.call("POST", "/api/users", { name: "ana", role: "viewer" }, bearer(tokens.admin))).status).toBe(409);
    expect((await h.call("POST", "/api/users", { name: "bo", role: "owner" }, bearer(tokens.admin))).status).toBe(400);

    const list = await h.call("GET", "/api/users", undefined, bearer(tokens.admin));
    expect(list.status).toBe(200);
    expect(list.json.data.find((u: { name: string }) => u.name === "ana")).toMatchObject({ role: "editor" });
    // never a token or its hash
    expect(JSON.stringify(list.json)).not.toMatch(/tlu_|hash/);

    const removed = await h.call("DELETE", "/api/users/ana", undefined, bearer(tokens.admin));
    expect(removed.status).toBe(200);
    expect(removed.json).toMatchObject({ name: "ana", role: "editor" });
    expect((await h.call("GET", "/api/projects", undefined, bearer(anaToken))).status).toBe(401);
    expect((await h.call("DELETE", "/api/users/ana", undefined, bearer(tokens.admin))).status).toBe(404);
  });
});
