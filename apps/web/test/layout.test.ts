// Layout and navigation the other browser tests do not cover, in real Chromium against the real API (no engine, no
// training; the workspace is written through core before the server starts): a 120-character experiment name wraps
// on the leaderboard and the experiment page, the datasets page fits a 375 px phone with many datasets, a project
// without a test split or graders shows empty states (and asks for nothing that cannot exist), and paging through the
// test split's items adds history entries.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkspace, createExperiment, createProject, importDataset, openWorkspace, saveGraderSet, setTestSplit } from "@tunelab/core";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { buildWeb } from "./build-web.ts";
import { type FixtureServer, startServer } from "./fixture-server.ts";

const PROJECT = "layout";
const BARE = "bare";
const LONG_NAME = `lr-sweep-${"x".repeat(60)}-${"0123456789".repeat(5)}`.slice(0, 120);
const ITEMS = 60; // three pages of 25

const chat = (user: string, assistant: string) =>
  JSON.stringify({
    messages: [
      { role: "user", content: user },
      { role: "assistant", content: assistant },
    ],
  });
const jsonl = (n: number, what: string) => `${Array.from({ length: n }, (_, i) => chat(`${what} ${i}`, i % 2 ? "a" : "b")).join("\n")}\n`;

let home: string;
let dist: string;
let server: FixtureServer;
let chromium: LaunchedBrowser;
let page: Page;
let experimentId: string;
const failed: string[] = [];

beforeAll(async () => {
  chromium = await launchChromium();
  home = mkdtempSync(join(tmpdir(), "tunelab-web-layout-"));
  const ws = await openWorkspace(home);
  await setTestSplit(ws, { project: PROJECT, text: jsonl(ITEMS, "test question"), fileName: "test.jsonl" });
  await saveGraderSet(ws, PROJECT, {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  for (const dataset of ["train", "train-augmented", "validation-holdout", "customer-emails"]) {
    await importDataset(ws, { project: PROJECT, dataset, text: jsonl(12, `${dataset} example`), fileName: `${dataset}.jsonl` });
  }
  const created = await createExperiment(ws, { project: PROJECT, dataset: "train@1", model: "local-tiny", name: LONG_NAME });
  experimentId = created.experiment.id;
  await createProject(ws.db, { name: BARE });
  await closeWorkspace(ws);
  dist = await buildWeb();
  server = await startServer({ webDir: dist, home, engine: false });
  page = await chromium.context.newPage();
  page.on("pageerror", (error) => console.error("[browser] page error:", error.message));
  page.on("response", (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });
}, 180_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  if (dist) rmSync(dist, { recursive: true, force: true });
  if (home) rmSync(home, { recursive: true, force: true });
}, 60_000);

/** The page's width beyond the viewport, and the elements (outside their own scrolling boxes) that stick out. */
const sideways = (p: Page) =>
  p.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out = [...document.querySelectorAll("body *")]
      .filter((e) => {
        if (e.getBoundingClientRect().width === 0 || e.getBoundingClientRect().right <= width + 1) return false;
        for (let a = e.parentElement; a; a = a.parentElement) if (/auto|scroll|hidden/.test(getComputedStyle(a).overflowX)) return false;
        return true;
      })
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`);
    return { scrollWidth: document.documentElement.scrollWidth, out };
  });

describe("long names and small screens", () => {
  it("wraps a 120-character name in the leaderboard's name column instead of running over the score", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/projects/${PROJECT}`);
    const link = page.locator(`[data-testid=leaderboard-table] tr[data-id=${experimentId}] td.name a`);
    await link.waitFor();
    expect(await link.textContent()).toBe(LONG_NAME);
    const name = await page.locator(`tr[data-id=${experimentId}] td.name`).boundingBox();
    const text = await link.evaluate((a) => {
      const r = a.getBoundingClientRect();
      const range = document.createRange();
      range.selectNodeContents(a);
      return { right: Math.max(r.right, range.getBoundingClientRect().right) };
    });
    const scoreCell = await page.locator(`tr[data-id=${experimentId}] td.score-col`).boundingBox();
    expect(text.right).toBeLessThanOrEqual((name?.x ?? 0) + (name?.width ?? 0) + 1);
    expect(text.right).toBeLessThanOrEqual((scoreCell?.x ?? 0) + 1);
  });

  it("fits the experiment page with a 120-character name on a 375 px phone", async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await page.locator("h1").waitFor();
    expect(await page.locator("h1").textContent()).toContain(LONG_NAME);
    expect((await page.locator("h1").boundingBox())?.width).toBeLessThanOrEqual(375);
    expect(await sideways(page)).toEqual({ scrollWidth: 375, out: [] });
  });

  it("wraps the row of dataset buttons on a 375 px phone", async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(`${server.url}/projects/${PROJECT}/datasets`);
    const buttons = page.locator("fieldset.segmented button");
    await expect.poll(() => buttons.count()).toBe(5);
    expect(await sideways(page)).toEqual({ scrollWidth: 375, out: [] });
    for (const box of await buttons.evaluateAll((b) => b.map((x) => x.getBoundingClientRect().right))) expect(box).toBeLessThanOrEqual(375);
  });
});

describe("a project without a test split or graders", () => {
  it("says on the learning-curve page what to add, without asking for a curve", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    failed.length = 0;
    await page.goto(`${server.url}/projects/${BARE}/curve`);
    const notice = page.locator(".notice-empty");
    await notice.waitFor();
    expect(await notice.textContent()).toContain("No learning curve yet");
    expect(await notice.textContent()).toContain(`tunelab split test.jsonl --project ${BARE}`);
    expect(await notice.textContent()).toContain(`tunelab graders add graders.json --project ${BARE}`);
    expect(await page.locator(".notice-error").count()).toBe(0);
    await page.waitForLoadState("networkidle");
    expect(failed).toEqual([]);
  });

  it("opens the graders page without asking for test items that do not exist", async () => {
    failed.length = 0;
    await page.goto(`${server.url}/projects/${BARE}/graders`);
    await page.locator("[data-testid=project-graders] .notice-empty").waitFor();
    await page.waitForLoadState("networkidle");
    expect(failed).toEqual([]);
  });
});

describe("the test split's items", () => {
  it("pages with history entries: Back after Next returns to the previous page", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await page.locator("[data-testid=leaderboard-table]").waitFor();
    await page.goto(`${server.url}/projects/${PROJECT}/datasets?dataset=test`);
    const items = page.locator("[data-testid=test-items]");
    await items.locator("tbody tr").first().waitFor();
    const firstId = () => items.locator("tbody tr").first().getAttribute("data-item");
    const page1 = await firstId();
    await items.getByRole("button", { name: "Next ›" }).click();
    await expect.poll(() => page.url()).toContain("page=1");
    await expect.poll(firstId).not.toBe(page1);
    await items.getByRole("button", { name: "Next ›" }).click();
    await expect.poll(() => page.url()).toContain("page=2");
    await page.goBack();
    await expect.poll(() => page.url()).toContain("page=1");
    await page.goBack();
    await expect.poll(() => page.url()).toBe(`${server.url}/projects/${PROJECT}/datasets?dataset=test`);
    await expect.poll(firstId).toBe(page1);
  });
});
