// A web test's fixture: a workspace seeded by the test, the web app built, the real API serving both (no engine), and
// a Chromium page on it; `close` removes them all. Also the leaderboard table's rows and a select's options as text.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkspace, openWorkspace, type Workspace } from "@tunelab/core";
import type { Page } from "playwright-core";
import { launchChromium } from "./browser.ts";
import { buildWeb, WEB_ROOT } from "./build-web.ts";
import { type FixtureServer, startServer } from "./fixture-server.ts";

export const ARTIFACTS = join(WEB_ROOT, "test-artifacts");

export interface SeededWeb {
  page: Page;
  server: FixtureServer;
  close(): Promise<void>;
}

export async function seededWeb(name: string, seed: (ws: Workspace) => Promise<void>): Promise<SeededWeb> {
  const chromium = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  const home = mkdtempSync(join(tmpdir(), `tunelab-web-${name}-`));
  let dist: string | undefined;
  let server: FixtureServer | undefined;
  const close = async () => {
    await chromium.close();
    await server?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const ws = await openWorkspace(home);
    await seed(ws);
    await closeWorkspace(ws);
    dist = await buildWeb();
    server = await startServer({ webDir: dist, home, engine: false });
    const page = await chromium.context.newPage();
    page.on("pageerror", (error) => console.error("[browser] page error:", error.message));
    return { page, server, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The leaderboard table's rows as `name:rank`. */
export const boardCells = (p: Page) =>
  p
    .locator("[data-testid=leaderboard-table] tbody tr")
    .evaluateAll((rows) =>
      rows.map((r) => `${r.querySelector("td.name a")?.textContent?.trim()}:${r.querySelector("td.rank")?.textContent?.trim()}`),
    );

/** A select's options as `value=label`. */
export const selectOptions = (p: Page, name: string) =>
  p.locator(`select[name=${name}] option`).evaluateAll((o) => o.map((x) => `${(x as HTMLOptionElement).value}=${x.textContent}`));
