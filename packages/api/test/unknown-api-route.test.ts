// With the web app served at / (tunelab serve), an unknown /api route is still a JSON 404 naming the route, not the
// single-page app's index.html with a 200 (which a client parsing JSON took for a server fault).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempWorkspace } from "../../../packages/core/src/test-support/temp-workspace.ts";
import { createApiApp, createServices } from "../src/index.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let webDir: string;
let app: ReturnType<typeof createApiApp>;
beforeAll(async () => {
  ws = await tempWorkspace();
  webDir = mkdtempSync(join(tmpdir(), "tunelab-web-"));
  mkdirSync(join(webDir, "assets"));
  writeFileSync(join(webDir, "index.html"), "<!doctype html><title>tunelab</title>");
  app = createApiApp({ services: createServices({ ws, config: { providers: {} } }), webDir });
});
afterAll(async () => {
  await ws.dispose();
  rmSync(webDir, { recursive: true, force: true });
});

describe("an unknown /api route with the web app served", () => {
  it("is a JSON 404 naming the method and path; the web app's own paths still get index.html", async () => {
    for (const path of ["/api/projects/p/sweeps", "/api/nonexistent", "/api/experiments/exp_abc/nope"]) {
      const response = await app.request(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get("content-type"), path).toMatch(/^application\/json/);
      expect(await response.json()).toMatchObject({ error: { code: "not_found", message: `no route GET ${path}` } });
    }
    const page = await app.request("/leaderboard");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>tunelab</title>");
    expect((await app.request("/api/projects")).status).toBe(200);
  });
});
