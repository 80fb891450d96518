// Issue 15, the web app as a newcomer meets it, in real Chromium against the real API and engine: keyboard focus on
// the leaderboard, the dataset diff's selectors, the graders' "try it" on the project's own graders, and the pages a
// newcomer found confusing. Screenshots of each changed page at 1280 px and 390 px go to apps/web/test-artifacts/.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { buildWeb, WEB_ROOT } from "./build-web.ts";
import { type FixtureServer, PROJECT, seedTickets, startServer } from "./fixture-server.ts";

const ARTIFACTS = join(WEB_ROOT, "test-artifacts");
let dist: string;
let server: FixtureServer;
let chromium: LaunchedBrowser;
let seeded: { baseline: string; tuned: string[] };
let page: Page;

beforeAll(async () => {
  chromium = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  dist = await buildWeb();
  server = await startServer({ webDir: dist });
  seeded = await seedTickets(server);
  page = await chromium.context.newPage();
  page.on("pageerror", (error) => console.error("[browser] page error:", error.message));
}, 240_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  if (dist) rmSync(dist, { recursive: true, force: true });
}, 60_000);

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/** Full-page screenshots at 1280 px and 390 px: `NAME-1280.png`, `NAME-390.png`; `ready` waits after each resize. */
async function shots(p: Page, name: string, ready: (p: Page) => Promise<unknown> = async () => undefined): Promise<void> {
  for (const size of [DESKTOP, PHONE]) {
    await p.setViewportSize(size);
    await ready(p);
    await p.waitForTimeout(150); // charts redraw on the ResizeObserver's next frame
    await p.screenshot({ path: join(ARTIFACTS, `${name}-${size.width}.png`), fullPage: true });
  }
  await p.setViewportSize(DESKTOP);
}

/** What has the keyboard focus: tag and accessible label. */
const focused = (p: Page) =>
  p.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()}${el.getAttribute("aria-label") ? ` ${el.getAttribute("aria-label")}` : ""}` : "none";
  });

describe("issue 15: broken items", () => {
  it("item 5: ticking a leaderboard checkbox with Space keeps the focus on it, also when a live event refetches the board", async () => {
    await page.goto(`${server.url}/projects/${PROJECT}`);
    const best = seeded.tuned[1] ?? "";
    const box = page.locator(`tr[data-id=${best}] input[type=checkbox]`);
    await box.waitFor();
    await box.focus();
    let requests = 0;
    const count = (r: { url: () => string }) => {
      if (r.url().includes("/api/projects/")) requests++;
    };
    page.on("request", count);
    await page.keyboard.press("Space");
    await expect.poll(() => page.url()).toContain(`sel=${best}`);
    expect(await box.isChecked()).toBe(true);
    expect(await focused(page)).toBe("input select v2-3ep for compare");
    // a selection is no reason to reload the board
    await page.waitForTimeout(300);
    expect(requests).toBe(0);
    page.off("request", count);

    // Tab to the next row's checkbox is not needed: Space again unticks, focus still there
    await page.keyboard.press("Space");
    await expect.poll(() => page.url()).not.toContain("sel=");
    expect(await focused(page)).toBe("input select v2-3ep for compare");
    await page.keyboard.press("Space");

    // a live event (an experiment cancelled elsewhere) refetches the board: rows update in place, focus stays
    const created = await server.call("POST", `/api/projects/${PROJECT}/experiments`, {
      dataset: "train@1",
      model: "local-tiny",
      name: "cancelled-early",
      hyperparameters: { n_epochs: 1, batch_size: 8 },
      run: false,
    });
    await server.call("POST", `/api/experiments/${created.experiment.id}/cancel`);
    await page.locator(`tr[data-id=${created.experiment.id}]`).waitFor();
    expect(await focused(page)).toBe("input select v2-3ep for compare");
    expect(await box.isChecked()).toBe(true);
    await shots(page, "leaderboard-keyboard");
  });

  it('item 6: after "vs @1" the dataset diff\'s from/to selectors show the chosen versions', async () => {
    const chosen = async () => [
      await page.inputValue("select[name=from]"),
      await page.locator("select[name=from] option:checked").textContent(),
      await page.inputValue("select[name=to]"),
      await page.locator("select[name=to] option:checked").textContent(),
    ];
    await page.goto(`${server.url}/projects/${PROJECT}/datasets?dataset=train`);
    await page.locator("[data-testid=versions] tbody tr").nth(1).waitFor();
    expect(await chosen()).toEqual(["", "—", "", "—"]);
    await page.click("[data-testid=versions] button:has-text('vs @1')");
    await page.locator("[data-testid=dataset-diff]").waitFor();
    expect(await chosen()).toEqual(["1", "train@1", "2", "train@2"]);
    // looking at another version keeps the diff's choice
    await page.click("[data-testid=versions] button:has-text('train@1')");
    await expect.poll(() => page.url()).toContain("v=1");
    expect(await chosen()).toEqual(["1", "train@1", "2", "train@2"]);
    // a shared link, the other way round
    await page.goto(`${server.url}/projects/${PROJECT}/datasets?dataset=train&from=2&to=1`);
    await page.locator("[data-testid=dataset-diff]").waitFor();
    expect(await chosen()).toEqual(["2", "train@2", "1", "train@1"]);
    expect(await page.textContent("[data-testid=dataset-diff]")).toMatch(/train@2 → train@1: \+0 added, −360 removed/);
    // and the selectors still drive it
    await page.selectOption("select[name=to]", "2");
    await expect.poll(() => page.url()).toContain("to=2");
    await page.selectOption("select[name=from]", "1");
    await expect.poll(() => page.textContent("[data-testid=dataset-diff]")).toMatch(/\+360 added/);
    expect(await chosen()).toEqual(["1", "train@1", "2", "train@2"]);
    await shots(page, "datasets-diff");
  });
});
