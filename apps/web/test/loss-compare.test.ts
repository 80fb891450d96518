// The loss chart (log scale, smoothing, overlaid experiments, no validation line without a validation set) and the
// compare page's per-tag breakdown and "both failed" list, in real Chromium against the real API. The workspace is
// written through core before the server starts (no training): 12 tagged test items, two experiments whose metrics
// and per-item grades are set below, one trained with a validation set and one without. Screenshots of both pages at
// 1280 and 390 px go to apps/web/test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Comparison,
  closeWorkspace,
  createExperiment,
  importDataset,
  openWorkspace,
  recordMetrics,
  saveGraderSet,
  setTestSplit,
  type Workspace,
} from "@tunelab/core";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scoreExperiment } from "../../../packages/core/src/test-support/score-experiment.ts";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { buildWeb, WEB_ROOT } from "./build-web.ts";
import { type FixtureServer, startServer } from "./fixture-server.ts";

const ARTIFACTS = join(WEB_ROOT, "test-artifacts");
const PROJECT = "router";
const ITEMS = 12;
const STEPS = 40;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

// items 1-6 billing, 7-12 bug, every third one urgent too; A passes 1-3 and 7, B passes 1-5 and 8-10
const tagsOf = (i: number) => [i <= 6 ? "billing" : "bug", ...(i % 3 === 0 ? ["urgent"] : [])];
const PASS_A = new Set([1, 2, 3, 7]);
const PASS_B = new Set([1, 2, 3, 4, 5, 8, 9, 10]);
const answer = (i: number) => (i <= 6 ? "billing" : "bug");
// noisy decaying losses (the noise is what smoothing is for)
const lossA = (s: number) => 2.4 * Math.exp(-s / 12) + 0.25 + 0.15 * Math.sin(s * 1.7);
const lossB = (s: number) => 3 * Math.exp(-s / 8) + 0.2 + 0.2 * Math.sin(s * 2.3) ** 2;

const chat = (user: string, assistant: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    messages: [
      { role: "system", content: "Route the ticket." },
      { role: "user", content: user },
      { role: "assistant", content: assistant },
    ],
    ...extra,
  });
const jsonl = (lines: string[]) => `${lines.join("\n")}\n`;

async function seed(ws: Workspace): Promise<{ a: string; b: string }> {
  const test = Array.from({ length: ITEMS }, (_, k) => chat(`test ticket ${k + 1}`, answer(k + 1), { tags: tagsOf(k + 1) }));
  await setTestSplit(ws, { project: PROJECT, text: jsonl(test), fileName: "test.jsonl" });
  await saveGraderSet(ws, PROJECT, {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  const train = Array.from({ length: 40 }, (_, i) => chat(`training ticket ${i}`, i % 2 ? "billing" : "bug"));
  await importDataset(ws, { project: PROJECT, dataset: "train", text: jsonl(train), fileName: "train.jsonl" });
  const valid = Array.from({ length: 10 }, (_, i) => chat(`held-out ticket ${i}`, i % 2 ? "billing" : "bug"));
  await importDataset(ws, { project: PROJECT, dataset: "valid", text: jsonl(valid), fileName: "valid.jsonl" });
  const scored = async (name: string, epochs: number, passes: Set<number>, loss: (s: number) => number, validation: boolean) => {
    const { experiment } = await createExperiment(ws, {
      project: PROJECT,
      dataset: "train@1",
      model: "local-tiny",
      name,
      hyperparameters: { n_epochs: epochs },
      ...(validation ? { validation: "valid@1" } : {}),
    });
    await recordMetrics(
      ws.db,
      experiment.id,
      Array.from({ length: STEPS }, (_, k) => ({
        step: k + 1,
        total_steps: STEPS,
        train_loss: loss(k + 1),
        ...(validation && (k + 1) % 10 === 0 ? { valid_loss: loss(k + 1) + 0.1 } : {}),
      })),
    );
    await scoreExperiment(
      ws,
      experiment.id,
      Array.from({ length: ITEMS }, (_, k) => {
        const i = k + 1;
        const pass = passes.has(i);
        return {
          itemId: String(i),
          tags: tagsOf(i),
          output: pass ? answer(i) : "refund",
          grades: { exact: { score: pass ? 1 : 0, passed: pass } },
        };
      }),
      { model: `ft:${name}` },
    );
    return experiment.id;
  };
  return {
    a: await scored("two-epochs", 2, PASS_A, lossA, true),
    b: await scored("four-epochs", 4, PASS_B, lossB, false),
  };
}

/** TensorBoard's debiased EMA, written again here from its definition. */
function tensorboardSmooth(values: number[], weight: number): number[] {
  let last = 0;
  return values.map((y, i) => {
    last = last * weight + (1 - weight) * y;
    return last / (1 - weight ** (i + 1));
  });
}

let home: string;
let dist: string;
let server: FixtureServer;
let chromium: LaunchedBrowser;
let page: Page;
let ids: { a: string; b: string };

beforeAll(async () => {
  chromium = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  home = mkdtempSync(join(tmpdir(), "tunelab-web-loss-"));
  const ws = await openWorkspace(home);
  ids = await seed(ws);
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

/** Full-page screenshots at 1280 px and 390 px: `NAME-1280.png`, `NAME-390.png`. */
async function shots(p: Page, name: string, ready: (p: Page) => Promise<unknown> = async () => undefined): Promise<void> {
  for (const size of [DESKTOP, PHONE]) {
    await p.setViewportSize(size);
    await ready(p);
    await p.waitForTimeout(150); // charts redraw on the ResizeObserver's next frame
    await p.screenshot({ path: join(ARTIFACTS, `${name}-${size.width}.png`), fullPage: true });
  }
  await p.setViewportSize(DESKTOP);
}

const legend = (p: Page) => p.locator("[data-testid=loss-legend-item]").allTextContents();
const yPositions = async (p: Page) =>
  JSON.parse((await p.locator("[data-testid=loss-chart] .uplot").getAttribute("data-y-positions")) ?? "[]") as number[];
const focusedTestId = (p: Page) => p.evaluate(() => document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName);
/** The last value the legend shows for a run's train loss, and its raw value when smoothed. */
const lastTrain = async (p: Page, run: string) => {
  const text = (await p.locator(`[data-testid=loss-legend-item][data-kind=train][data-run=${run}]`).textContent()) ?? "";
  const [, smoothed, raw] = /train loss (\S+)(?: \(raw (\S+)\))?/.exec(text) ?? [];
  return { smoothed, raw };
};
/** Pixels of the loss chart's canvas whose colour is near `rgb`. */
const inked = (p: Page, rgb: [number, number, number]) =>
  p.locator("[data-testid=loss-chart] canvas").evaluate((canvas: HTMLCanvasElement, rgb) => {
    const data = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
    let n = 0;
    for (let i = 0; i < data.length; i += 4)
      if ((data[i + 3] ?? 0) > 200 && rgb.every((c, k) => Math.abs((data[i + k] ?? 0) - c) < 40)) n++;
    return n;
  }, rgb);
const RED: [number, number, number] = [220, 38, 38];

describe("loss chart in Chromium", () => {
  it("has no validation line without a validation set, toggles log scale and smoothing by keyboard, and overlays another experiment", async () => {
    const metrics = (await server.call<{ data: Array<{ step: number; train_loss: number }> }>("GET", `/api/experiments/${ids.b}/metrics`))
      .data;
    const train = metrics.map((m) => m.train_loss);
    await page.setViewportSize(DESKTOP);
    await page.goto(`${server.url}/experiments/${ids.b}`);
    await page.locator("[data-testid=loss-chart] canvas").waitFor();

    // no validation set: no validation line, no legend entry, and it says why
    expect(await legend(page)).toEqual([expect.stringMatching(/^four-epochs · train loss /)]);
    expect(await page.locator("[data-testid=loss-legend-item][data-kind=valid]").count()).toBe(0);
    expect(await page.locator("[data-testid=loss-panel]").textContent()).not.toContain("valid loss");
    await page.locator("[data-testid=loss-no-validation]").waitFor();
    expect(await page.locator("[data-testid=loss-chart]").getAttribute("aria-label")).toBe("training loss by step: four-epochs");

    // smoothed by default (0.6): the legend's last value is TensorBoard's debiased EMA of the API's losses
    expect(await page.locator("[data-testid=loss-smoothing-value]").textContent()).toBe("0.60");
    expect(await lastTrain(page, ids.b)).toEqual({
      smoothed: (tensorboardSmooth(train, 0.6).at(-1) as number).toFixed(4),
      raw: (train.at(-1) as number).toFixed(4),
    });

    // log scale, from the keyboard: equal ratios of loss are then equal distances
    const linear = await yPositions(page);
    expect((linear[0] ?? 0) - (linear[1] ?? 0)).toBeCloseTo(((linear[1] ?? 0) - (linear[2] ?? 0)) / 2, 3);
    await page.locator("[data-testid=loss-log]").focus();
    await page.keyboard.press("Space");
    await expect.poll(() => page.locator("[data-testid=loss-panel]").getAttribute("data-scale")).toBe("log");
    await expect.poll(async () => JSON.stringify(await yPositions(page))).not.toBe(JSON.stringify(linear));
    const log = await yPositions(page);
    expect((log[0] ?? 0) - (log[1] ?? 0)).toBeCloseTo((log[1] ?? 0) - (log[2] ?? 0), 3);
    expect(await page.locator("[data-testid=loss-chart]").getAttribute("aria-label")).toContain("on a log scale");

    // Tab reaches the smoothing slider; Home turns smoothing off (the line is the raw loss), End is the heaviest
    await page.keyboard.press("Tab");
    expect(await focusedTestId(page)).toBe("loss-smoothing");
    await page.keyboard.press("Home");
    await expect.poll(() => page.locator("[data-testid=loss-smoothing-value]").textContent()).toBe("off");
    expect(await lastTrain(page, ids.b)).toEqual({ smoothed: (train.at(-1) as number).toFixed(4), raw: undefined });
    await page.keyboard.press("End");
    await expect.poll(() => page.locator("[data-testid=loss-smoothing-value]").textContent()).toBe("0.99");
    expect((await lastTrain(page, ids.b)).smoothed).toBe((tensorboardSmooth(train, 0.99).at(-1) as number).toFixed(4));
    for (let i = 0; i < 39; i++) await page.keyboard.press("ArrowLeft");
    await expect.poll(() => page.locator("[data-testid=loss-smoothing-value]").textContent()).toBe("0.60");

    // hovering names the step under the pointer and shows its values
    const over = await page.locator("[data-testid=loss-chart] .u-over").boundingBox();
    await page.mouse.move((over?.x ?? 0) + (over?.width ?? 0) / 2, (over?.y ?? 0) + 20);
    await expect.poll(() => page.locator("[data-testid=loss-legend-step]").textContent()).toMatch(/^step (19|20|21|22)$/);
    await page.mouse.move(0, 0);

    // overlay the other experiment (ticked from the keyboard): a second colour, with its validation loss
    expect(await inked(page, RED)).toBe(0);
    const before = Number(await page.locator("[data-testid=loss-chart]").getAttribute("data-points"));
    const other = page.locator("[data-testid=loss-overlay] label", { hasText: "two-epochs" }).locator("input");
    await other.focus();
    await page.keyboard.press("Space");
    await expect.poll(() => legend(page).then((l) => l.length)).toBe(3);
    const entries = await legend(page);
    expect(entries[0]).toMatch(/^four-epochs · train loss /);
    expect(entries[1]).toMatch(/^two-epochs · train loss /);
    expect(entries[2]).toMatch(/^two-epochs · valid loss /);
    expect(await page.locator(`[data-testid=loss-legend-item][data-kind=valid][data-run=${ids.a}]`).count()).toBe(1);
    // 40 raw and 40 smoothed points of the overlaid run, and its 4 validation points
    await expect.poll(() => page.locator("[data-testid=loss-chart]").getAttribute("data-points").then(Number)).toBe(before + 84);
    await expect.poll(() => inked(page, RED)).toBeGreaterThan(200);
    const swatch = await page
      .locator(`[data-testid=loss-legend-item][data-run=${ids.a}] .swatch`)
      .first()
      .evaluate((el) => getComputedStyle(el).borderTopColor);
    expect(swatch).toBe("rgb(220, 38, 38)");
    expect(await page.locator("[data-testid=loss-chart]").getAttribute("aria-label")).toBe(
      "training and validation loss by step on a log scale: four-epochs, two-epochs",
    );

    await shots(page, "experiment-loss-chart", (p) => p.locator("[data-testid=loss-chart] canvas").waitFor());
    // narrowing the window shrinks the chart with it (its drawn canvas does not hold the card wide)
    await page.setViewportSize(PHONE);
    await expect
      .poll(async () => {
        const box = await page.locator("[data-testid=loss-panel]").boundingBox();
        return (box?.x ?? 0) + (box?.width ?? 0);
      })
      .toBeLessThanOrEqual(390);
    await page.setViewportSize(DESKTOP);
  });

  it("fits a 390 px phone: the controls, the legend and the overlay list stay on screen", async () => {
    await page.setViewportSize(PHONE);
    await page.goto(`${server.url}/experiments/${ids.a}`);
    await page.locator("[data-testid=loss-chart] canvas").waitFor();
    // an experiment with a validation set shows its validation line
    expect(await legend(page)).toEqual([
      expect.stringMatching(/^two-epochs · train loss /),
      expect.stringMatching(/^two-epochs · valid loss /),
    ]);
    expect(await page.locator("[data-testid=loss-no-validation]").count()).toBe(0);
    for (const id of ["loss-log", "loss-smoothing", "loss-legend", "loss-overlay", "loss-chart"]) {
      const box = await page.locator(`[data-testid=${id}]`).boundingBox();
      expect(box?.x, id).toBeGreaterThanOrEqual(0);
      expect((box?.x ?? 0) + (box?.width ?? 0), id).toBeLessThanOrEqual(390);
    }
    const over = await page.locator("[data-testid=loss-chart] .u-over").boundingBox();
    expect(over?.width).toBeGreaterThan(200);
    await page.setViewportSize(DESKTOP);
  });
});

describe("compare page in Chromium", () => {
  it("shows each tag's n, means, paired delta with interval and p-value, and the items both runs failed", async () => {
    const api = await server.call<Comparison>("GET", `/api/compare?a=${ids.a}&b=${ids.b}`);
    await page.setViewportSize(DESKTOP);
    await page.goto(`${server.url}/compare?a=${ids.a}&b=${ids.b}`);
    await page.locator("[data-testid=compare-tags]").waitFor();
    const rows = await page
      .locator("[data-testid=compare-tags] tbody tr")
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("th, td")].map((c) => c.textContent?.trim() ?? "")));
    const signed = (v: number) => `${v > 0 ? "+" : v < 0 ? "−" : "±"}${Math.abs(v).toFixed(3)}`;
    const p = (v: number) => (v < 0.001 ? "<0.001" : v.toFixed(3));
    // the hand-worked figures: billing 3/6 → 5/6, bug 1/6 → 3/6, urgent 1/4 → 2/4
    expect(rows.map((r) => r.slice(0, 5))).toEqual([
      ["billing", "6", "0.500", "0.833", "+0.333"],
      ["bug", "6", "0.167", "0.500", "+0.333"],
      ["urgent", "4", "0.250", "0.500", "+0.250"],
    ]);
    expect(rows.map((r) => r.slice(7))).toEqual([
      ["0", "2", "1"],
      ["1", "3", "2"],
      ["0", "1", "2"],
    ]);
    // the interval and p-value are the API's (compare's paired bootstrap)
    api.byTag.forEach((t, i) => {
      expect(rows[i]?.[5]).toBe(`${signed(t.delta.ci?.low ?? 0)} … ${signed(t.delta.ci?.high ?? 0)}`);
      expect(rows[i]?.[6]).toBe(p(t.delta.pValue ?? 1));
    });

    const both = page.locator("[data-testid=both-failed]");
    expect(await both.locator("h2").textContent()).toContain("Both failed · 3 item(s)");
    expect(await both.locator("article[data-item]").evaluateAll((as) => as.map((a) => a.getAttribute("data-item")))).toEqual([
      "6",
      "11",
      "12",
    ]);
    expect(await both.locator("article[data-item='11']").textContent()).toContain("test ticket 11");

    await shots(page, "compare-by-tag", (p) => p.locator("[data-testid=compare-tags]").waitFor());
    // on a phone the per-tag table scrolls inside its card, not the page
    await page.setViewportSize(PHONE);
    const card = await page.locator("[data-testid=compare-by-tag]").boundingBox();
    expect((card?.x ?? 0) + (card?.width ?? 0)).toBeLessThanOrEqual(390);
    await page.setViewportSize(DESKTOP);
  });
});
