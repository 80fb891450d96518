// Repeated trials on the experiment page, in real Chromium against the real API. The workspace is written through core
// before the server starts (no sampling: the CLI and API tests sample through the engine): a baseline scored with 4
// trials per item whose grades differ between trials on some items. Checks the trials card against the API's per-item
// figures (pass rate, mean, variance), the most uncertain items first, the flaky-only toggle, and saves screenshots at
// 1280 and 390 px to apps/web/test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkspace, createExperiment, type ItemTrials, openWorkspace, saveGraderSet, setTestSplit } from "@tunelab/core";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scoreExperiment } from "../../../packages/core/src/test-support/score-experiment.ts";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { buildWeb, WEB_ROOT } from "./build-web.ts";
import { type FixtureServer, startServer } from "./fixture-server.ts";

const ARTIFACTS = join(WEB_ROOT, "test-artifacts");
const PROJECT = "trials";
const ITEMS = 10;
const TRIALS = 4;
/** Trials item i passes: items 0-5 always or never, 6-9 split (1, 2, 3 and 2 of 4). */
const PASSES = [4, 0, 4, 0, 4, 0, 1, 2, 3, 2];

let home: string;
let dist: string;
let server: FixtureServer;
let chromium: LaunchedBrowser;
let page: Page;
let experimentId: string;
let otherId: string;
let runId: string;

beforeAll(async () => {
  chromium = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  home = mkdtempSync(join(tmpdir(), "tunelab-web-trials-"));
  const ws = await openWorkspace(home);
  const chat = (user: string, assistant: string) =>
    JSON.stringify({
      messages: [
        { role: "user", content: user },
        { role: "assistant", content: assistant },
      ],
    });
  const test = Array.from({ length: ITEMS }, (_, i) => chat(`ticket ${i}`, i % 2 ? "billing" : "bug"));
  await setTestSplit(ws, { project: PROJECT, text: `${test.join("\n")}\n`, fileName: "test.jsonl" });
  await saveGraderSet(ws, PROJECT, {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  const { experiment } = (await createExperiment(ws, {
    project: PROJECT,
    model: "local-tiny",
    method: "none",
    name: "sampled baseline",
    evaluation: { trials: TRIALS },
  })) as { experiment: { id: string } };
  experimentId = experiment.id;
  const samples = Array.from({ length: ITEMS }, (_, i) =>
    Array.from({ length: TRIALS }, (_, t) => {
      const pass = t < (PASSES[i] ?? 0);
      return { itemId: String(i + 1), trial: t, grades: { exact: { score: pass ? 1 : 0, passed: pass } } };
    }),
  ).flat();
  runId = await scoreExperiment(ws, experimentId, samples, { trials: TRIALS, samplingParams: { temperature: 1, seed: 0 } });
  // a second baseline scored with 2 trials per item, for compare
  const other = await createExperiment(ws, {
    project: PROJECT,
    model: "local-tiny",
    method: "none",
    name: "two trials",
    evaluation: { trials: 2 },
  });
  otherId = other.experiment.id;
  const twoTrials = Array.from({ length: ITEMS }, (_, i) =>
    [0, 1].map((t) => ({ itemId: String(i + 1), trial: t, grades: { exact: { score: i < 5 ? 1 : 0, passed: i < 5 } } })),
  ).flat();
  await scoreExperiment(ws, otherId, twoTrials, { trials: 2, samplingParams: { temperature: 1, seed: 0 } });
  await closeWorkspace(ws);
  dist = await buildWeb();
  server = await startServer({ webDir: dist, home, engine: false });
  page = await chromium.context.newPage();
  page.on("pageerror", (error) => console.error("[browser] page error:", error.message));
}, 180_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  if (dist) rmSync(dist, { recursive: true, force: true });
  if (home) rmSync(home, { recursive: true, force: true });
}, 60_000);

const rowsOf = (p: Page) =>
  p
    .locator("[data-testid=trials-items] tbody tr")
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].map((c) => c.textContent?.trim() ?? "")));

describe("trials on the experiment page", () => {
  it("shows how the run sampled, the flaky items first by uncertainty, and figures that match the API", async () => {
    const perItem = await server.call<{ trials: number; data: ItemTrials[] }>("GET", `/api/eval-runs/${runId}/items`);
    expect(perItem.trials).toBe(TRIALS);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/experiments/${experimentId}`);
    const card = page.locator("[data-testid=trials-card]");
    await expect.poll(() => card.locator(".card-head").textContent()).toContain("4 per item at temperature 1");
    await expect.poll(() => page.locator("[data-testid=trials-summary]").textContent()).toMatch(/4 of 10 items flaky on exact/);

    // flaky only (the default): items 7-10, the 2-of-4 ones first (pass rate 0.5), then 1/4 and 3/4
    await expect.poll(async () => (await rowsOf(page)).length).toBe(4);
    const rows = await rowsOf(page);
    expect(rows.map((r) => r[0])).toEqual(["#8", "#10", "#7", "#9"]);
    for (const row of rows) {
      const item = perItem.data.find((d) => `#${d.itemId}` === row[0]);
      const g = item?.graders.exact;
      expect(row[1]).toBe(`${g?.passed}/${g?.trials}`);
      expect(row[3]).toBe(g?.mean?.toFixed(3));
      expect(row[4]).toBe(g?.variance?.toFixed(4));
    }
    expect(rows[0]?.[2]).toBe("50%");

    // every item, with the keyboard
    const toggle = card.getByLabel("flaky items only");
    await toggle.focus();
    await page.keyboard.press("Space");
    await expect.poll(async () => (await rowsOf(page)).length).toBe(ITEMS);
    expect(await toggle.isChecked()).toBe(false);
    await page.keyboard.press("Space");
    await expect.poll(async () => (await rowsOf(page)).length).toBe(4);

    // the evaluation table's mean is item-weighted with the two-level interval the API stored
    const run = await server.call("GET", `/api/eval-runs/${runId}`);
    const summary = run.aggregates.graders.exact;
    expect(summary.mean).toBeCloseTo(PASSES.reduce((a, b) => a + b, 0) / (ITEMS * TRIALS), 12);
    const cells = await page.locator("[data-testid=grader-summary] tbody tr").first().locator("td").allTextContents();
    expect(cells[1]).toBe(summary.mean.toFixed(3));
    expect(cells[2]).toBe(`${summary.ci.mean.low.toFixed(3)} – ${summary.ci.mean.high.toFixed(3)}`);

    // the items table labels each row with its trial
    await expect.poll(() => page.locator('[data-testid=items-table] tr[data-item="8"]').count()).toBe(TRIALS);
    expect(await page.locator('tr[data-item="8"] td.item-id').allTextContents()).toEqual(["8 ▸ t1", "8 ▸ t2", "8 ▸ t3", "8 ▸ t4"]);

    for (const size of [
      { width: 1280, height: 900 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(size);
      await page.waitForTimeout(150);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(1);
      await page.screenshot({ path: join(ARTIFACTS, `experiment-trials-${size.width}.png`), fullPage: true });
    }
  });

  it("compare says how each side sampled and uses the two-level paired delta", async () => {
    const api = await server.call("GET", `/api/compare?a=${experimentId}&b=${otherId}`);
    expect(api.graders.exact.trials).toEqual({ a: TRIALS, b: 2 });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/compare?a=${experimentId}&b=${otherId}`);
    await expect.poll(() => page.locator("[data-testid=compare-trials]").textContent()).toContain("A sampled each item 4 times, B 2");
    await page.screenshot({ path: join(ARTIFACTS, "compare-trials-1280.png"), fullPage: true });
  });
});
