// The learning-curve page in real Chromium against the real API. The workspace is written through core before the
// server starts (no training): nested data fractions of one dataset (60, 120, 240, 480 examples), one experiment on
// each, and eval samples whose grades follow a known curve, as core's learning-curve test seeds them. Checks the
// chart (4 points, the fitted curve, the projection's whisker, actually painted on the canvas), hover, the sentence
// against the API's numbers, the empty state, and saves screenshots at 1280 and 390 px to apps/web/test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  closeWorkspace,
  createDataFractions,
  createExperiment,
  currentGraderSet,
  getProjectByName,
  getVersionByRef,
  importDataset,
  insertEvalRun,
  insertSample,
  openWorkspace,
  type ProjectCurves,
  type ProjectId,
  saveGraderSet,
  setTestSplit,
  updateExperiment,
  type Workspace,
} from "@tunelab/core";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { buildWeb, WEB_ROOT } from "./build-web.ts";
import { type FixtureServer, startServer } from "./fixture-server.ts";

const ARTIFACTS = join(WEB_ROOT, "test-artifacts");
const PROJECT = "curves";
const EMPTY = "fresh";
const ITEMS = 200;
const truth = (n: number) => 0.92 - 1.6 * n ** -0.5;

const chat = (user: string, assistant: string) =>
  JSON.stringify({
    messages: [
      { role: "system", content: "Route the ticket." },
      { role: "user", content: user },
      { role: "assistant", content: assistant },
    ],
  });
const jsonl = (lines: string[]) => `${lines.join("\n")}\n`;

async function seedProject(ws: Workspace, project: string): Promise<void> {
  const test = Array.from({ length: ITEMS }, (_, i) => chat(`test ticket ${i}`, i % 2 ? "billing" : "bug"));
  await setTestSplit(ws, { project, text: jsonl(test), fileName: "test.jsonl" });
  await saveGraderSet(ws, project, {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
}

/** Four experiments that differ only in data, scored on the test split with grades drawn from `truth`; one more on its own. */
async function seedCurve(ws: Workspace): Promise<void> {
  await seedProject(ws, PROJECT);
  const train = Array.from({ length: 480 }, (_, i) => chat(`training ticket number ${i}`, i % 3 ? "billing" : "bug"));
  await importDataset(ws, { project: PROJECT, dataset: "train", text: jsonl(train), fileName: "train.jsonl" });
  const fractions = await createDataFractions(ws, { project: PROJECT, dataset: "train@1", fractions: [0.125, 0.25, 0.5, 1], seed: 7 });
  const project = await getProjectByName(ws.db, PROJECT);
  const split = (await getVersionByRef(ws.db, project.id as ProjectId, "test@1")).id;
  const grader = (await currentGraderSet(ws.db, project.id))?.id as string;
  const score = async (experimentId: string, n: number) => {
    const run = await insertEvalRun(ws.db, {
      projectId: project.id,
      experimentId,
      model: "m",
      provider: "local",
      testSplitVersionId: split,
      graderSetId: grader,
      samplingParams: {},
      total: ITEMS,
    });
    // item i passes when its fixed difficulty is below the curve: the points lie on it up to 1/ITEMS
    for (let i = 0; i < ITEMS; i++) {
      const pass = (i * 0.618034) % 1 < truth(n);
      await insertSample(ws.db, run.id, i, {
        item_id: `item-${i}`,
        status: pass ? "passed" : "failed",
        tags: [],
        grades: { exact: { score: pass ? 1 : 0, passed: pass } },
        usage: { prompt_tokens: 0, completion_tokens: 0 },
      } as never);
    }
    await updateExperiment(ws.db, experimentId, {
      status: "completed",
      eval_run_id: run.id,
      test_split_version_id: split,
      grader_set_id: grader,
    });
  };
  for (const f of fractions) {
    const e = await createExperiment(ws, {
      project: PROJECT,
      dataset: f.version.ref,
      model: "local-tiny",
      name: `data-${f.version.exampleCount}`,
    });
    await score(e.experiment.id, f.version.exampleCount);
  }
  // other hyperparameters: a group of its own with a single size, listed as too few
  const lone = await createExperiment(ws, {
    project: PROJECT,
    dataset: "train@1",
    model: "local-tiny",
    name: "lone",
    hyperparameters: { n_epochs: 2 },
  });
  await score(lone.experiment.id, 480);
  await seedProject(ws, EMPTY);
}

let home: string;
let dist: string;
let server: FixtureServer;
let chromium: LaunchedBrowser;
let page: Page;

beforeAll(async () => {
  chromium = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  home = mkdtempSync(join(tmpdir(), "tunelab-web-curve-"));
  const ws = await openWorkspace(home);
  await seedCurve(ws);
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

interface Positions {
  points: Array<{ name: string; n: number; y: number; left: number; top: number }>;
  curve: Array<{ left: number; top: number }>;
  whiskers: Array<{ n: number; y: number; left: number; top: number; low: number; high: number }>;
}

const positions = async (p: Page): Promise<Positions> =>
  JSON.parse((await p.locator("[data-testid=curve-chart] .uplot").getAttribute("data-positions")) ?? "null") as Positions;

/** The canvas pixels (RGB) around each spot given in plot-area CSS pixels: which colours are painted there. */
const painted = (p: Page, spots: Array<{ left: number; top: number }>) =>
  p.evaluate((spots) => {
    const canvas = document.querySelector("[data-testid=curve-chart] canvas") as HTMLCanvasElement;
    const over = document.querySelector("[data-testid=curve-chart] .u-over") as HTMLElement;
    const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
    const c = canvas.getBoundingClientRect();
    const o = over.getBoundingClientRect();
    const scale = canvas.width / c.width;
    return spots.map((s) => {
      const x = Math.round((o.left - c.left + s.left) * scale);
      const y = Math.round((o.top - c.top + s.top) * scale);
      const d = ctx.getImageData(x - 2, y - 2, 5, 5).data;
      const colours: number[][] = [];
      for (let i = 0; i < d.length; i += 4) colours.push([d[i] ?? 0, d[i + 1] ?? 0, d[i + 2] ?? 0]);
      return colours;
    });
  }, spots);
const orange = (rgb: number[]) => (rgb[0] ?? 0) - (rgb[2] ?? 0) > 100 && (rgb[0] ?? 0) - (rgb[1] ?? 0) > 50;
const blue = (rgb: number[]) => (rgb[2] ?? 0) - (rgb[0] ?? 0) > 80;

const f3 = (x: number) => x.toFixed(3);

describe("learning curve page in Chromium", () => {
  it("draws 4 points, the fitted curve and the projection's whisker, names points on hover, and states the API's projection", async () => {
    const api = await server.call<ProjectCurves>("GET", `/api/projects/${PROJECT}/curves`);
    expect(api.curves).toHaveLength(1);
    const c = api.curves[0] as ProjectCurves["curves"][number];
    expect(c.members.map((m) => m.examples)).toEqual([60, 120, 240, 480]);
    expect(api.tooFew).toHaveLength(1);

    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await page.locator("nav a", { hasText: "Learning curve" }).click();
    expect(page.url()).toBe(`${server.url}/projects/${PROJECT}/curve`);
    await expect.poll(() => page.locator("[data-testid=curve-chart]").getAttribute("data-points")).toBe("4");
    await expect.poll(async () => (await positions(page))?.whiskers.length).toBe(1);
    const pos = await positions(page);
    expect(pos.points.map((p) => p.n)).toEqual([60, 120, 240, 480]);
    // the x axis labels every experiment's size and the projection's
    const ticks = await page.locator("[data-testid=curve-chart] .uplot").getAttribute("data-x-ticks");
    expect(JSON.parse(ticks ?? "[]")).toEqual(["60", "120", "240", "480", "960"]);
    // log scale: equal ratios of size are equal distances
    const gaps = pos.points.slice(1).map((p, i) => p.left - (pos.points[i]?.left ?? 0));
    for (const gap of gaps) expect(gap).toBeCloseTo(gaps[0] ?? 0, 0);
    // the curve runs from the smallest size to the projection, left to right, rising
    expect(pos.curve.length).toBeGreaterThan(20);
    expect(pos.curve[0]?.left).toBeCloseTo(pos.points[0]?.left ?? 0, 0);
    const whisker = pos.whiskers[0] as Positions["whiskers"][number];
    expect(whisker.n).toBe(960);
    expect(pos.curve.at(-1)?.left).toBeCloseTo(whisker.left, 0);
    expect(pos.curve.at(-1)?.top).toBeLessThan(pos.curve[0]?.top ?? 0);
    expect(whisker.high).toBeLessThan(whisker.top); // a whisker with height: high above the point, low below
    expect(whisker.low).toBeGreaterThan(whisker.top);

    // and all of it is painted: blue points, the orange curve between the last point and the projection, the whisker's caps
    const last = pos.points[3] as Positions["points"][number];
    const between = pos.curve.filter((p) => p.left > last.left + 15 && p.left < whisker.left - 15);
    expect(between.length).toBeGreaterThan(3);
    const [points, curve, caps] = await Promise.all([
      painted(page, pos.points),
      painted(page, between),
      painted(page, [
        { left: whisker.left, top: whisker.high },
        { left: whisker.left, top: whisker.low },
      ]),
    ]);
    for (const spot of points) expect(spot.some(blue)).toBe(true);
    for (const spot of curve) expect(spot.some(orange)).toBe(true);
    for (const spot of caps) expect(spot.some(orange)).toBe(true);

    // hover a point: its experiment and score
    const over = await page.locator("[data-testid=curve-chart] .u-over").boundingBox();
    const second = pos.points[1] as Positions["points"][number];
    await page.mouse.move((over?.x ?? 0) + second.left, (over?.y ?? 0) + second.top);
    const tip = page.locator("[data-testid=curve-chart] [data-testid=chart-tip]");
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toContain("data-120");
    expect(await tip.textContent()).toContain(`exact ${f3(c.members[1]?.score ?? 0)}`);

    // the sentence and the formula carry the API's numbers
    const p = c.curve.projections[0] as ProjectCurves["curves"][number]["curve"]["projections"][number];
    expect(p.interval.low).toBeLessThan(p.y);
    expect(p.interval.high).toBeGreaterThan(p.y);
    expect(await page.locator("[data-testid=curve-projection]").textContent()).toBe(
      `doubling the data (480 → 960 examples) is predicted to raise exact from ${f3(c.members[3]?.score ?? 0)} to ${f3(p.y)} [${f3(p.interval.low)}, ${f3(p.interval.high)}]`,
    );
    const { a, b, c: exponent } = c.curve.fit;
    expect(await page.locator("[data-testid=curve-fit]").textContent()).toBe(
      `fit: exact ≈ ${f3(a)} − ${f3(b)} · n−${f3(exponent)} (n = training examples)`,
    );
    expect(await page.locator("[data-testid=curve-too-few]").textContent()).toContain(api.tooFew[0]);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(ARTIFACTS, "learning-curve-1280.png"), fullPage: true });
  });

  it("fits a 390 px phone without sideways scrolling", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/projects/${PROJECT}/curve`);
    await expect.poll(async () => (await positions(page))?.whiskers.length).toBe(1);
    const pos = await positions(page);
    const over = await page.locator("[data-testid=curve-chart] .u-over").boundingBox();
    expect(over?.width).toBeGreaterThan(200);
    for (const p of [...pos.points, ...pos.whiskers]) {
      expect(p.left).toBeGreaterThan(0);
      expect(p.left).toBeLessThan(over?.width ?? 0);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // the members' table stays inside its card
    const card = await page.locator("[data-testid=curve-card]").boundingBox();
    const table = await page.locator("[data-testid=curve-card] table").boundingBox();
    expect((table?.x ?? 0) + (table?.width ?? 0)).toBeLessThanOrEqual((card?.x ?? 0) + (card?.width ?? 0));
    await page.screenshot({ path: join(ARTIFACTS, "learning-curve-390.png"), fullPage: true });
  });

  it("says how to make a curve when a project has none", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/projects/${EMPTY}/curve`);
    const notice = page.locator(".notice-empty");
    await notice.waitFor();
    expect(await notice.textContent()).toContain("tunelab sweep -d train@1 -m local-small --data-fractions 0.25,0.5,1");
    expect(await page.locator("[data-testid=curve-chart]").count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "learning-curve-empty-1280.png"), fullPage: true });
  });
});
