// `tunelab users add|list|remove` as a user runs them (real child processes), and a `tunelab serve` that then needs a
// user's token and applies its role; who created an experiment or dataset version shows in `tunelab exp show`/`--json`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, startCli } from "./run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "tunelab-users-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const home = join(dir, ".tunelab");
const line = (text: string, label: string) =>
  JSON.stringify({
    messages: [
      { role: "user", content: text },
      { role: "assistant", content: label },
    ],
  });
const lines = (prefix: string, n: number) =>
  `${Array.from({ length: n }, (_, i) => line(`${prefix} ${i} ${i % 2 ? "refund" : "password"}`, i % 2 ? "billing" : "auth")).join("\n")}\n`;

describe("tunelab users", () => {
  let viewer = "";
  let editor = "";

  it("adds users with a token shown once, lists them without tokens, refuses bad input, removes them", () => {
    const added = runCli(["users", "add", "ana", "--role", "viewer"], { home });
    expect(added.code, added.stderr).toBe(0);
    viewer = /^\s+(tlu_[\w-]+)$/m.exec(added.stdout)?.[1] ?? "";
    expect(viewer).toMatch(/^tlu_[\w-]{43}$/);
    expect(added.stdout).toMatch(/user ana added as viewer/);
    const json = runCli(["users", "add", "bo", "--role", "editor", "--json"], { home });
    expect(json.code, json.stderr).toBe(0);
    expect(json.json()).toMatchObject({ name: "bo", role: "editor", lastUsedAt: null, token: expect.stringMatching(/^tlu_/) });
    editor = (json.json() as { token: string }).token;
    runCli(["users", "add", "cy", "--role", "admin"], { home });

    const duplicate = runCli(["users", "add", "ana", "--role", "admin"], { home });
    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stderr).toMatch(/user "ana" already exists/);
    const badRole = runCli(["users", "add", "dee", "--role", "owner"], { home });
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toMatch(/viewer, editor, admin/);

    const list = runCli(["users", "list"], { home });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/ana\s.*viewer/);
    expect(list.stdout).not.toContain("tlu_");
    const listed = runCli(["users", "list", "--json"], { home });
    expect((listed.json() as Array<{ name: string; role: string }>).map((u) => [u.name, u.role])).toEqual([
      ["ana", "viewer"],
      ["bo", "editor"],
      ["cy", "admin"],
    ]);
    expect(listed.stdout).not.toContain("tlu_");

    expect(runCli(["users", "remove", "cy"], { home }).code).toBe(0);
    const missing = runCli(["users", "remove", "cy"], { home });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/user "cy" does not exist \(users: ana, bo\)/);
  });

  it("records the OS user as the creator of a dataset version imported from the CLI", () => {
    const file = join(dir, "train.jsonl");
    writeFileSync(file, lines("train", 12));
    const imported = runCli(["data", "import", file, "--project", "p", "--dataset", "train", "--json"], { home });
    expect(imported.code, imported.stderr).toBe(0);
    expect((imported.json() as { version: { createdBy: string } }).version.createdBy).toBe(userInfo().username);
  });

  it("serve then needs a token: a viewer reads but cannot write, an editor's experiment shows as theirs in `tunelab exp show`", async () => {
    const server = startCli(["serve", "--port", "0"], { home });
    try {
      const [, url] = await server.waitFor(/serving on (http:\/\/127\.0\.0\.1:\d+)/);
      await server.waitFor(/2 user\(s\)/);
      const as = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });
      expect((await fetch(`${url}/api/projects`)).status).toBe(401);
      expect((await fetch(`${url}/api/projects`, { headers: as(viewer) })).status).toBe(200);
      const json = { "content-type": "application/json" };
      const refused = await fetch(`${url}/api/projects`, { method: "POST", headers: as(viewer, json), body: '{"name":"q"}' });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("forbidden");

      const ndjson = { "content-type": "application/x-ndjson" };
      const split = await fetch(`${url}/api/projects/p/test-split`, {
        method: "PUT",
        headers: as(editor, ndjson),
        body: lines("held-out", 6),
      });
      expect(split.status).toBe(201);
      const graders = {
        graders: [
          { type: "string_check", name: "exact", operation: "eq", input: "{{sample.output_text}}", reference: "{{item.reference}}" },
        ],
      };
      expect(
        (await fetch(`${url}/api/projects/p/graders`, { method: "PUT", headers: as(editor, json), body: JSON.stringify(graders) })).status,
      ).toBe(201);
      const created = await fetch(`${url}/api/projects/p/experiments`, {
        method: "POST",
        headers: as(editor, json),
        body: JSON.stringify({ model: "local-tiny", method: "none", name: "baseline" }),
      });
      expect(created.status).toBe(201);
      const { experiment } = (await created.json()) as { experiment: { id: string } };
      const shown = runCli(["exp", "show", experiment.id], { home });
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/created \d{4}-\d\d-\d\d \d\d:\d\d:\d\d by bo/);
      expect((runCli(["exp", "show", experiment.id, "--json"], { home }).json() as { createdBy: string }).createdBy).toBe("bo");
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });
});
