// Deleting experiments from the web app, in real Chromium against the real API and the real engine: a finished
// baseline is deleted from its page by keyboard (the confirm step says what goes and what stays; Escape backs out)
// and the page lands on the leaderboard without it; a second page open on the leaderboard drops a never-run
// experiment deleted through the API, without a reload (its live event carries the status `created`). Screenshots at
// 1280 and 390 px go to apps/web/test-artifacts/.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { buildWeb, WEB_ROOT } from "./build-web.ts";
import { type FixtureServer, startServer, waitFinished } from "./fixture-server.ts";

const ARTIFACTS = join(WEB_ROOT, "test-artifacts");
const PROJECT = "pruning";
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

const system = { role: "system", content: "Route the ticket." };
const chat = (user: string, label: string) =>
  JSON.stringify({ messages: [system, { role: "user", content: user }, { role: "assistant", content: label }] });
const TEST = [chat("My bill is too high", "billing"), chat("The button does nothing", "bug"), chat("I forgot my login", "account")];
const TRAIN = [
  chat("My invoice is wrong", "billing"),
  chat("The app crashes on start", "bug"),
  chat("How do I reset my password?", "account"),
  chat("I was charged twice", "billing"),
  chat("Error 500 when saving", "bug"),
  chat("Change my email address", "account"),
  chat("Refund my last order", "billing"),
  chat("The page is blank", "bug"),
  chat("Delete my account", "account"),
  chat("Update my card", "billing"),
  chat("Search returns nothing", "bug"),
  chat("Add a second user", "account"),
];

let dist: string;
let server: FixtureServer;
let chromium: LaunchedBrowser;
let page: Page;
let finished = "";
let kept = "";

beforeAll(async () => {
  chromium = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  dist = await buildWeb();
  server = await startServer({ webDir: dist });
  await server.call("POST", "/api/projects", { name: PROJECT, description: "Experiments deleted from the web app." });
  await server.call("PUT", `/api/projects/${PROJECT}/test-split`, `${TEST.join("\n")}\n`);
  await server.call("PUT", `/api/projects/${PROJECT}/graders`, {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  const create = async (body: Record<string, unknown>) =>
    (await server.call("POST", `/api/projects/${PROJECT}/experiments`, { model: "local-tiny", method: "none", force: true, ...body }))
      .experiment.id as string;
  await server.call("POST", `/api/projects/${PROJECT}/datasets/train/versions`, `${TRAIN.join("\n")}\n`);
  // a trained experiment (to delete: its tuned model stays) and a baseline (stays)
  finished = await create({ name: "old run", method: "supervised", dataset: "train@1", hyperparameters: { n_epochs: 1, batch_size: 4 } });
  kept = await create({ name: "kept" });
  for (const id of [finished, kept]) await waitFinished(server, id);
  page = await chromium.context.newPage();
  page.on("pageerror", (error) => console.error("[browser] page error:", error.message));
}, 240_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  if (dist) rmSync(dist, { recursive: true, force: true });
}, 60_000);

/** Full-page screenshots at 1280 px and 390 px (`NAME-1280.png`, `NAME-390.png`); at 390 px nothing may scroll sideways. */
async function shots(p: Page, name: string): Promise<void> {
  for (const size of [DESKTOP, PHONE]) {
    await p.setViewportSize(size);
    await p.waitForTimeout(150);
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${name} at ${size.width} px scrolls sideways`).toBeLessThanOrEqual(0);
    await p.screenshot({ path: join(ARTIFACTS, `${name}-${size.width}.png`), fullPage: true });
  }
  await p.setViewportSize(DESKTOP);
}

const rowIds = (p: Page) =>
  p.locator("[data-testid=leaderboard-table] tbody tr[data-id]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));
const focused = (p: Page) => p.evaluate(() => document.activeElement?.getAttribute("data-testid"));
const experimentIds = async () =>
  ((await server.call("GET", `/api/projects/${PROJECT}/experiments`)).data as Array<{ id: string }>).map((e) => e.id).sort();

describe("deleting experiments from the web app", () => {
  it("deletes a finished experiment from its page, with a confirm step, by keyboard, and lands on the leaderboard without it", async () => {
    await page.goto(`${server.url}/experiments/${finished}`);
    const open = page.getByTestId("delete-experiment");
    await open.waitFor();
    // finished: nothing to run or cancel
    expect(await page.getByTestId("cancel-experiment").count()).toBe(0);
    expect(await page.getByTestId("run-experiment").count()).toBe(0);
    await open.focus();
    await page.keyboard.press("Enter");
    // the confirm button has the focus; the text says what goes and what stays; Escape backs out
    await expect.poll(() => focused(page)).toBe("confirm-delete");
    const text = await page.getByTestId("delete-confirm-text").textContent();
    expect(text).toContain("Delete old run?");
    expect(text).toContain("training metrics and scores");
    const { tunedModel } = await server.call("GET", `/api/experiments/${finished}`);
    expect(tunedModel).toBeTruthy();
    expect(text).toContain(`Its tuned model ${tunedModel} stays with its provider.`);
    await page.keyboard.press("Escape");
    await expect.poll(() => focused(page)).toBe("delete-experiment");
    expect(await experimentIds()).toEqual([finished, kept].sort());
    await page.keyboard.press("Enter");
    await page.getByTestId("confirm-delete").waitFor();
    await shots(page, "delete-confirm");
    await page.getByTestId("confirm-delete").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.url()).toBe(`${server.url}/projects/${PROJECT}`);
    await expect.poll(() => rowIds(page)).toEqual([kept]);
    expect(await experimentIds()).toEqual([kept]);
    await shots(page, "leaderboard-after-delete");
  });

  it("a page open on the leaderboard drops a never-run experiment deleted through the API, without a reload", async () => {
    const waiting = (
      await server.call("POST", `/api/projects/${PROJECT}/experiments`, {
        model: "local-tiny",
        method: "none",
        name: "never run",
        seed: 11,
        run: false,
        force: true,
      })
    ).experiment.id as string;
    expect((await server.call("GET", `/api/experiments/${waiting}`)).status).toBe("created");
    const other = await chromium.context.newPage();
    try {
      await other.goto(`${server.url}/projects/${PROJECT}`);
      await expect.poll(() => rowIds(other).then((ids) => ids.sort())).toEqual([kept, waiting].sort());
      // no reload from here on: a navigation would be a new document without this marker
      await other.evaluate(() => {
        (window as unknown as { marker: boolean }).marker = true;
      });
      // the live stream is open (the header says so) before the deletion's event is sent
      await expect.poll(() => other.locator("header .live.on").count()).toBe(1);
      const deleted = await server.call("DELETE", `/api/experiments/${waiting}`);
      expect(deleted).toMatchObject({ id: waiting, deleted: true });
      await expect.poll(() => rowIds(other)).toEqual([kept]);
      expect(await other.evaluate(() => (window as unknown as { marker?: boolean }).marker)).toBe(true);
    } finally {
      await other.close();
    }
  });
});
