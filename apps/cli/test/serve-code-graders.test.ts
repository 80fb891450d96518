// `tunelab serve` and graders that run code: refused over HTTP by default, allowed with --allow-code-graders.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startCli } from "./run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "tunelab-serve-code-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const home = join(dir, ".tunelab");
const python = {
  type: "python",
  name: "py",
  source: "def grade(sample, item):\n    return 1.0 if sample['output_text'] == 'yes' else 0.0",
};

async function send(url: string, method: string, body: unknown) {
  const response = await fetch(url, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route returned
  return { status: response.status, json: (await response.json()) as any };
}

async function serving(args: string[], use: (url: string, stdout: () => string) => Promise<void>): Promise<void> {
  const server = startCli(["serve", "--port", "0", ...args], { home });
  try {
    const [, url = ""] = await server.waitFor(/serving on (http:\/\/127\.0\.0\.1:\d+)/);
    await use(url, () => server.output().stdout);
  } finally {
    server.child.kill("SIGTERM");
    await server.exited;
  }
}

describe("tunelab serve --allow-code-graders", () => {
  it("without the flag: 403 code_graders_disabled naming the flag; with it: registered and tried", async () => {
    await serving([], async (url) => {
      expect((await send(`${url}/api/projects`, "POST", { name: "code" })).status).toBe(201);
      const put = await send(`${url}/api/projects/code/graders`, "PUT", { graders: [python] });
      expect(put.status).toBe(403);
      expect(put.json.error.code).toBe("code_graders_disabled");
      expect(put.json.error.message).toContain("tunelab serve --allow-code-graders");
      expect((await send(`${url}/api/graders/test`, "POST", { grader: python, sample: "yes" })).status).toBe(403);
      expect((await fetch(`${url}/api/projects/code/graders`).then((r) => r.json())) as unknown).toMatchObject({ versions: [] });
    });
    await serving(["--allow-code-graders"], async (url, stdout) => {
      expect(stdout()).toContain("--allow-code-graders: every client of this server may run code as this user");
      expect((await send(`${url}/api/projects/code/graders`, "PUT", { graders: [python] })).status).toBe(201);
      const tried = await send(`${url}/api/graders/test`, "POST", { grader: python, sample: "yes" });
      expect(tried.status).toBe(200);
      expect(tried.json).toMatchObject({ score: 1, passed: true });
    });
  });
});
