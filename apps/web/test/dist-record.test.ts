// `tunelab serve` after a source of the web app changed (a `git pull`): the launcher rebuilds apps/web/dist before
// serving, as it rebuilds the CLI's own build, instead of serving the web app as it was built at setup. Real launcher,
// real vite build of the checked-out dist (swapped in whole), real server.
import { mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startCli } from "../../cli/test/run-cli.ts";
import { rebuildWeb, WEB_ROOT, webStaleReason } from "../scripts/dist-record.mjs";

const root = mkdtempSync(join(tmpdir(), "tunelab-web-dist-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the web app's build behind tunelab serve", () => {
  it("is rebuilt by the launcher before serve once a source changed since it was built", async () => {
    await rebuildWeb(); // fresh to begin with (a no-op when it is)
    expect(webStaleReason()).toBeUndefined();
    const now = new Date();
    utimesSync(join(WEB_ROOT, "src/App.tsx"), now, now); // what a pull that changed it does
    expect(webStaleReason()).toBe("apps/web/src/App.tsx changed since the web app was built");

    const server = startCli(["serve", "--port", "0"], { home: join(root, ".tunelab") });
    try {
      const [, url = ""] = await server.waitFor(/serving on (http:\/\/127\.0\.0\.1:\d+)/, 120_000);
      expect(webStaleReason(), server.output().stderr).toBeUndefined();
      const index = await fetch(`${url}/`).then((r) => r.text());
      const script = /<script[^>]+src="([^"]+)"/.exec(index)?.[1];
      expect(script).toMatch(/^\/assets\//);
      expect((await fetch(`${url}${script}`)).status).toBe(200);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }, 180_000);
});
