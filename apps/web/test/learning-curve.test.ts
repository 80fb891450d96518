// The learning-curve page and the leaderboard's learning-curve panel in real Chromium against the real API. The
// workspace is written through core before the server starts (no training): nested data fractions of one dataset
// (60, 120, 240, 480 examples), one experiment on each with the trained tokens its job reported, and eval samples whose
// grades follow a known curve, as core's learning-curve test seeds them. Checks the chart (4 points, the fitted curve,
// the projection's whisker, actually painted on the canvas), hover, the sentence against the API's numbers, the
// trained-tokens axis, the panel beside the leaderboard's chart with the table still in the first screen, the empty
// states, and saves screenshots at 1280 and 390 px to apps/web/test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  closeWorkspace,
  createDataFractions,
  createExperiment,
  importDataset,
  openWorkspace,
  type ProjectCurves,
  saveGraderSet,
  setTestSplit,
  type Workspace,
} from "@tunelab/core";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { samplesAtPassRate, scoreExperiment } from "../../../packages/core/src/test-support/score-experiment.ts";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { buildWeb, WEB_ROOT } from "./build-web.ts";
import { type FixtureServer, startServer } from "./fixture-server.ts";

const ARTIFACTS = join(WEB_ROOT, "test-artifacts");
const PROJECT = "curves";
const EMPTY = "fresh";
const ITEMS = 200;
const truth = (n: number) => 0.92 - 1.6 * n ** -0.5;
/** The trained tokens each size's job reported (assistant tokens × epochs), by example count. */
const TOKENS: Record<number, number> = { 60: 3_000, 120: 9_000, 240: 27_000, 480: 81_000 };

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
  // item i passes when its fixed difficulty is below the curve: the points lie on it up to 1/ITEMS; the run's
  // aggregates are stored as the eval runner stores them (the leaderboard's scores)
  const score = (experimentId: string, n: number, trainedTokens: number | null = null) =>
    scoreExperiment(ws, experimentId, samplesAtPassRate(ITEMS, truth(n)), { model: "m", trainedTokens });
  for (const f of fractions) {
    const e = await createExperiment(ws, {
      project: PROJECT,
      dataset: f.version.ref,
      model: "local-tiny",
      name: `data-${f.version.exampleCount}`,
    });
    await score(e.experiment.id, f.version.exampleCount, TOKENS[f.version.exampleCount] ?? null);
  }
  // other hyperparameters: a group of its own with a single size, listed as too few
  const lone = await createExperiment(ws, {
    project: PROJECT,
    dataset: "train@1",
    model: "local-tiny",
    name: "lone",
    hyperparameters: { n_epochs: 2 },
  });
  await score(lone.experiment.id, 480); // its provider reported no trained tokens
}

/** A project with two experiments that differ only in data: on the leaderboard, but too few sizes for a curve. */
async function seedTwoSizes(ws: Workspace): Promise<void> {
  await seedProject(ws, EMPTY);
  const train = Array.from({ length: 160 }, (_, i) => chat(`another ticket ${i}`, i % 3 ? "billing" : "bug"));
  await importDataset(ws, { project: EMPTY, dataset: "train", text: jsonl(train), fileName: "train.jsonl" });
  const fractions = await createDataFractions(ws, { project: EMPTY, dataset: "train@1", fractions: [0.5, 1], seed: 7 });
  for (const f of fractions) {
    const e = await createExperiment(ws, {
      project: EMPTY,
      dataset: f.version.ref,
      model: "local-tiny",
      name: `two-${f.version.exampleCount}`,
    });
    await scoreExperiment(ws, e.experiment.id, samplesAtPassRate(2, 1), { model: "m" });
  }
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
  await seedTwoSizes(ws);
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
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > 391)
        .slice(0, 5)
        .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`),
    );
    expect(wide).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // the members' table stays inside its card
    const card = await page.locator("[data-testid=curve-card]").boundingBox();
    const table = await page.locator("[data-testid=curve-card] table").boundingBox();
    expect((table?.x ?? 0) + (table?.width ?? 0)).toBeLessThanOrEqual((card?.x ?? 0) + (card?.width ?? 0));
    await page.screenshot({ path: join(ARTIFACTS, "learning-curve-390.png"), fullPage: true });
  });

  it("fits a 375 px phone: the members' table scrolls inside its card, never the page", async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(`${server.url}/projects/${PROJECT}/curve`);
    await expect.poll(async () => (await positions(page))?.whiskers.length).toBe(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const wrap = await page.locator("[data-testid=curve-card] .curve-members-wrap").boundingBox();
    const card = await page.locator("[data-testid=curve-card]").boundingBox();
    expect((wrap?.x ?? 0) + (wrap?.width ?? 0)).toBeLessThanOrEqual((card?.x ?? 0) + (card?.width ?? 0));
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

describe("the leaderboard's learning-curve panel and the trained-tokens axis in Chromium", () => {
  const panel = () => page.locator("[data-testid=curve-panel]");
  const sentence = (c: ProjectCurves["curves"][number], unit: string, what: string, fmt: (n: number) => string) => {
    const p = c.curve.projections[0] as ProjectCurves["curves"][number]["curve"]["projections"][number];
    const last = c.members.at(-1) as ProjectCurves["curves"][number]["members"][number];
    return `${what} (${fmt(last.n)} → ${fmt(p.n)} ${unit}) is predicted to raise exact from ${f3(last.score)} to ${f3(p.y)} [${f3(p.interval.low)}, ${f3(p.interval.high)}]`;
  };

  it("at 1280 px draws the API's curve beside the score chart, the table's first rows still in the first screen", async () => {
    const api = await server.call<ProjectCurves>("GET", `/api/projects/${PROJECT}/curves`);
    const c = api.curves[0] as ProjectCurves["curves"][number];
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await expect.poll(() => panel().locator("[data-testid=curve-chart]").getAttribute("data-points")).toBe("4");
    await expect.poll(async () => (await positions(page))?.whiskers.length).toBe(1);
    const pos = await positions(page);
    // the API's points and projection, on the chart and in the sentence
    expect(pos.points.map((p) => [p.name, p.n, p.y])).toEqual(c.members.map((m) => [m.name, m.examples, m.score]));
    expect(pos.whiskers.map((w) => [w.n, w.y])).toEqual(c.curve.projections.map((p) => [p.n, p.y]));
    expect(await panel().locator("[data-testid=curve-panel-projection]").textContent()).toBe(
      sentence(c, "examples", "doubling the data", (n) => String(n)),
    );
    // painted: blue points, the orange curve past the last point, the whisker's caps
    const last = pos.points[3] as Positions["points"][number];
    const whisker = pos.whiskers[0] as Positions["whiskers"][number];
    const between = pos.curve.filter((p) => p.left > last.left + 10 && p.left < whisker.left - 10);
    expect(between.length).toBeGreaterThan(2);
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

    // the leaderboard ranks the same experiments by the same means the curve plots
    const board = await server.call<{ rows: Array<{ name: string; score: number | null }> }>("GET", `/api/projects/${PROJECT}/leaderboard`);
    for (const m of c.members) expect(board.rows.find((r) => r.name === m.name)?.score).toBeCloseTo(m.score, 12);
    // beside the score chart (same row), and the table's third row still in the first screen
    const score = await page.locator(".board-grid > .chart-card:not(.curve-panel)").boundingBox();
    const box = await panel().boundingBox();
    expect(box?.y).toBeCloseTo(score?.y ?? 0, 0);
    expect(box?.x).toBeGreaterThan((score?.x ?? 0) + (score?.width ?? 0) - 1);
    const third = await page.locator("[data-testid=leaderboard-table] tbody tr").nth(2).boundingBox();
    expect((third?.y ?? 1e9) + (third?.height ?? 0)).toBeLessThanOrEqual(900);
    expect(await panel().locator("[data-testid=curve-panel-link]").getAttribute("href")).toBe(`/projects/${PROJECT}/curve`);
    await page.screenshot({ path: join(ARTIFACTS, "leaderboard-curve-1280.png") });
  });

  it("follows the leaderboard's trained-tokens toggle: the API's curve on tokens, then the full page on tokens with its own toggle", async () => {
    const api = await server.call<ProjectCurves>("GET", `/api/projects/${PROJECT}/curves?x=tokens`);
    expect(api.x).toBe("tokens");
    expect(api.noTokens).toEqual(["lone"]);
    const c = api.curves[0] as ProjectCurves["curves"][number];
    expect(c.members.map((m) => m.n)).toEqual([3_000, 9_000, 27_000, 81_000]);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await expect.poll(async () => (await positions(page))?.points.map((p) => p.n)).toEqual([60, 120, 240, 480]);
    await page.locator(".board-grid fieldset.segmented button", { hasText: "trained tokens" }).click();
    await expect.poll(async () => (await positions(page))?.points.map((p) => p.n)).toEqual([3_000, 9_000, 27_000, 81_000]);
    const pos = await positions(page);
    expect(pos.points.map((p) => p.y)).toEqual(c.members.map((m) => m.score));
    expect(pos.whiskers.map((w) => [w.n, w.y])).toEqual([[162_000, c.curve.projections[0]?.y]]);
    const ticks = await panel().locator("[data-testid=curve-chart] .uplot").getAttribute("data-x-ticks");
    expect(JSON.parse(ticks ?? "[]")).toEqual(["3,000", "9,000", "27.0k", "81.0k", "162k"]);
    const k = (n: number) => (n >= 1e4 ? `${(n / 1e3).toFixed(n >= 1e5 ? 0 : 1)}k` : n.toLocaleString("en-US"));
    expect(await panel().locator("[data-testid=curve-panel-projection]").textContent()).toBe(
      sentence(c, "tokens", "doubling the trained tokens", k),
    );
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(ARTIFACTS, "leaderboard-curve-tokens-1280.png") });

    // the full page, still on tokens: what the tokens count, the experiment left out, and back to examples
    await panel().locator("[data-testid=curve-panel-link]").click();
    await page.waitForURL(`${server.url}/projects/${PROJECT}/curve?x=tokens`);
    await expect
      .poll(() => page.locator("[data-testid=curve-fit]").textContent())
      .toBe(
        `fit: exact ≈ ${f3(c.curve.fit.a)} − ${f3(c.curve.fit.b)} · n−${f3(c.curve.fit.c)} (n = trained tokens: assistant (loss-bearing) tokens × epochs)`,
      );
    expect(await page.locator("[data-testid=curve-axis] button[aria-pressed=true]").textContent()).toBe("trained tokens");
    expect(await page.locator("[data-testid=curve-no-tokens]").textContent()).toContain("lone");
    expect(await page.locator("[data-testid=curve-projection]").textContent()).toBe(
      sentence(c, "tokens", "doubling the trained tokens", k),
    );
    await page.screenshot({ path: join(ARTIFACTS, "learning-curve-tokens-1280.png"), fullPage: true });
    await page.locator("[data-testid=curve-axis] button", { hasText: "training examples" }).click();
    await expect.poll(async () => (await positions(page))?.points.map((p) => p.n)).toEqual([60, 120, 240, 480]);
    expect(page.url()).toBe(`${server.url}/projects/${PROJECT}/curve`);
  });

  it("at 1600 px sits under the score chart in the side column, the table beside them from the top", async () => {
    await page.setViewportSize({ width: 1600, height: 900 });
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await expect.poll(async () => (await positions(page))?.whiskers.length).toBe(1);
    const score = await page.locator(".board-grid > .chart-card:not(.curve-panel)").boundingBox();
    const box = await panel().boundingBox();
    const main = await page.locator(".board-main").boundingBox();
    expect(box?.x).toBeCloseTo(score?.x ?? 0, 0);
    expect(box?.y).toBeGreaterThan((score?.y ?? 0) + (score?.height ?? 0));
    expect(main?.y).toBeCloseTo(score?.y ?? 0, 0);
    expect((main?.x ?? 0) + (main?.width ?? 0)).toBeLessThan(score?.x ?? 0);
    await page.screenshot({ path: join(ARTIFACTS, "leaderboard-curve-1600.png") });
  });

  it("at 390 px comes after the table, inside the screen's width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await expect.poll(async () => (await positions(page))?.whiskers.length).toBe(1);
    const table = await page.locator("[data-testid=leaderboard-table]").boundingBox();
    const box = await panel().boundingBox();
    expect(box?.y).toBeGreaterThan((table?.y ?? 0) + (table?.height ?? 0));
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
    const over = await panel().locator(".u-over").boundingBox();
    for (const p of [...(await positions(page)).points, ...(await positions(page)).whiskers]) {
      expect(p.left).toBeGreaterThan(0);
      expect(p.left).toBeLessThan(over?.width ?? 0);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await panel().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "leaderboard-curve-390.png"), fullPage: true });
  });

  it("explains tunelab sweep --data-fractions when the project's experiments have too few sizes", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/projects/${EMPTY}`);
    const empty = panel().locator("[data-testid=curve-panel-empty]");
    await empty.waitFor();
    const text = await empty.textContent();
    expect(text).toContain("three or more training-set sizes");
    expect(text).toContain("(1 setup has fewer sizes)");
    expect(text).toContain("tunelab sweep -d train@1 -m local-small --data-fractions 0.25,0.5,1");
    expect(await panel().locator("[data-testid=curve-chart]").count()).toBe(0);
    const second = await page.locator("[data-testid=leaderboard-table] tbody tr").nth(1).boundingBox();
    expect((second?.y ?? 1e9) + (second?.height ?? 0)).toBeLessThanOrEqual(900);
    await page.screenshot({ path: join(ARTIFACTS, "leaderboard-curve-empty-1280.png") });
  });
});
