// The leaderboard's grader set selector and its learning-curve panel on older boards, in real Chromium against the
// real API. The project's boards: test@1 with graders@1 (four experiments that differ only in data: a learning curve),
// test@1 with graders@2 (one experiment) and test@2 with graders@2 (the current board, one experiment). The grader set
// selector sits beside the test split selector, offers the versions (the current one marked), is kept in the URL (a
// link reproduces the view) and says an older grader set's board is one, with a link back; the panel's curve is the
// board's split's and grader set's, and says which.
import { join } from "node:path";
import {
  createDataFractions,
  createExperiment,
  importDataset,
  type ProjectCurves,
  saveGraderSet,
  setTestSplit,
  type Workspace,
} from "@tunelab/core";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { samplesAtPassRate, scoreExperiment } from "../../../packages/core/src/test-support/score-experiment.ts";
import { ARTIFACTS, boardCells, type SeededWeb, seededWeb, selectOptions } from "./seeded-web.ts";

const PROJECT = "graded";
const ITEMS = 100;
const truth = (n: number) => 0.92 - 1.6 * n ** -0.5;
const chat = (user: string, assistant: string) =>
  JSON.stringify({
    messages: [
      { role: "user", content: user },
      { role: "assistant", content: assistant },
    ],
  });
const jsonl = (lines: string[]) => `${lines.join("\n")}\n`;
const grader = (name: string, operation: "eq" | "like") => ({
  graders: [{ type: "string_check" as const, name, input: "{{sample.output_text}}", reference: "{{item.reference}}", operation }],
});

async function seed(ws: Workspace): Promise<void> {
  const split = (prefix: string) =>
    jsonl(Array.from({ length: ITEMS }, (_, i) => chat(`${prefix} ticket ${i}`, i % 2 ? "billing" : "bug")));
  await setTestSplit(ws, { project: PROJECT, text: split("first"), fileName: "test1.jsonl" });
  await saveGraderSet(ws, PROJECT, grader("exact", "eq"));
  const train = Array.from({ length: 480 }, (_, i) => chat(`training ticket number ${i}`, i % 3 ? "billing" : "bug"));
  await importDataset(ws, { project: PROJECT, dataset: "train", text: jsonl(train), fileName: "train.jsonl" });
  const fractions = await createDataFractions(ws, { project: PROJECT, dataset: "train@1", fractions: [0.125, 0.25, 0.5, 1], seed: 7 });
  for (const f of fractions) {
    const n = f.version.exampleCount;
    const { experiment } = await createExperiment(ws, { project: PROJECT, dataset: f.version.ref, model: "local-tiny", name: `data-${n}` });
    await scoreExperiment(ws, experiment.id, samplesAtPassRate(ITEMS, truth(n)), { model: "m" });
  }
  const baseline = async (name: string, model: string, metric: string) => {
    const { experiment } = await createExperiment(ws, { project: PROJECT, model, method: "none", name });
    await scoreExperiment(ws, experiment.id, samplesAtPassRate(ITEMS, 0.5, metric), { model });
  };
  await saveGraderSet(ws, PROJECT, grader("loose", "like"));
  await baseline("loose-one", "local-small", "loose");
  await setTestSplit(ws, { project: PROJECT, text: split("second"), fileName: "test2.jsonl" });
  await baseline("second-one", "local-medium", "loose");
}

let web: SeededWeb;
let page: Page;
let server: SeededWeb["server"];

beforeAll(async () => {
  web = await seededWeb("graders", seed);
  ({ page, server } = web);
}, 180_000);

afterAll(async () => {
  await web?.close();
}, 60_000);

const params = (p: Page) => Object.fromEntries(new URL(p.url()).searchParams);
const CURVE = ["data-480:1", "data-240:2", "data-120:3", "data-60:4"];
const panel = () => page.locator("[data-testid=curve-panel]");

describe("the leaderboard's grader set selector in Chromium", () => {
  it("offers the grader sets beside the test split, shows an older grader set's board on choice (in the URL), and links back", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await expect.poll(() => boardCells(page)).toEqual(["second-one:1"]);
    await expect.poll(() => selectOptions(page, "graders")).toEqual(["graders@2=graders@2 (current)", "graders@1=graders@1"]);
    expect(await page.locator("select[name=graders]").inputValue()).toBe("graders@2");
    // beside the test split selector, in the filters
    const labels = await page.locator("form.filters label").evaluateAll((l) => l.map((x) => x.firstChild?.textContent?.trim()));
    expect(labels.slice(0, 3)).toEqual(["Search", "Test split", "Graders"]);
    expect(await page.locator("[data-testid=older-graders]").count()).toBe(0);

    // an older split's board is shown with the current grader set until an older grader set is chosen
    await page.selectOption("select[name=split]", "test@1");
    await expect.poll(() => boardCells(page)).toEqual(["loose-one:1"]);
    // the score chart is drawn again for graders@1's primary metric (uPlot sets its axis labels as it is made)
    const marked = () =>
      page.locator("[data-testid=score-chart] .uplot").evaluate((e) => (e as HTMLElement & { drawnFor?: string }).drawnFor ?? null);
    await page.locator("[data-testid=score-chart] .uplot").evaluate((e) => {
      (e as HTMLElement & { drawnFor?: string }).drawnFor = "loose";
    });
    await page.selectOption("select[name=graders]", "graders@1");
    await expect.poll(() => boardCells(page)).toEqual(CURVE);
    expect(params(page)).toEqual({ split: "test@1", graders: "graders@1" });
    await expect.poll(marked).toBeNull();
    expect(await page.locator("[data-testid=score-chart]").getAttribute("aria-label")).toMatch(/^exact by /);
    const notice = page.locator("[data-testid=older-graders]");
    expect(await notice.textContent()).toBe(
      "This is the board of graders@1, an older grader set: it ranks the experiments scored with it. The current grader set is graders@2: see its board.",
    );
    expect(await page.locator("[data-testid=older-split]").count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, "leaderboard-older-graders.png"), fullPage: true });

    // the link reproduces the view, with the sort
    await page.goto(`${server.url}/projects/${PROJECT}?split=test@1&graders=graders@1&sort=name`);
    await expect.poll(() => boardCells(page)).toEqual(["data-120:3", "data-240:2", "data-480:1", "data-60:4"]);
    await expect.poll(() => page.locator("select[name=graders]").inputValue()).toBe("graders@1");
    expect(await page.locator("select[name=split]").inputValue()).toBe("test@1");

    // back to the current grader set's board (of the same split, keeping the sort), without a reload
    await page.evaluate(() => {
      (window as unknown as { notReloaded?: boolean }).notReloaded = true;
    });
    await notice.locator("a", { hasText: "see its board" }).click();
    await expect.poll(() => boardCells(page)).toEqual(["loose-one:1"]);
    expect(params(page)).toEqual({ split: "test@1", sort: "name" });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await page.locator("[data-testid=older-graders]").count()).toBe(0);
    expect(await page.locator("select[name=graders]").inputValue()).toBe("graders@2");

    // choosing the current grader set again leaves no ?graders= in the URL
    await page.selectOption("select[name=graders]", "graders@1");
    await expect.poll(() => boardCells(page)).toEqual(["data-120:3", "data-240:2", "data-480:1", "data-60:4"]);
    await page.selectOption("select[name=graders]", "graders@2");
    await expect.poll(() => boardCells(page)).toEqual(["loose-one:1"]);
    expect(params(page)).toEqual({ split: "test@1", sort: "name" });
  }, 120_000);
});

describe("the leaderboard's learning-curve panel on an older board in Chromium", () => {
  const on = () => panel().locator("[data-testid=curve-panel-on]").textContent();
  const points = async () =>
    (
      JSON.parse((await panel().locator("[data-testid=curve-chart] .uplot").getAttribute("data-positions")) ?? "null") as {
        points: Array<{ name: string; n: number; y: number }>;
      }
    ).points.map((p) => [p.name, p.n, p.y]);

  it("draws the curve of the board's test split and grader set, says which, and links to that full curve", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    // the current board (test@2, graders@2): no experiment differing only in data is scored there
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await expect.poll(on).toBe("Experiments scored on test@2 with graders@2");
    await panel().locator("[data-testid=curve-panel-empty]").waitFor();
    expect(await panel().locator("[data-testid=curve-chart]").count()).toBe(0);

    // an older split's board with the current grader set: still none (they were scored with graders@1)
    await page.selectOption("select[name=split]", "test@1");
    await expect.poll(on).toBe("Experiments scored on test@1 with graders@2");
    expect(await panel().locator("[data-testid=curve-panel-empty]").count()).toBe(1);

    // the board of test@1 with graders@1: the four experiments' curve, as the API draws it on them
    await page.selectOption("select[name=graders]", "graders@1");
    await expect.poll(() => boardCells(page)).toEqual(CURVE);
    await expect.poll(on).toBe("Experiments scored on test@1 with graders@1");
    await expect.poll(() => panel().locator("[data-testid=curve-chart]").getAttribute("data-points")).toBe("4");
    const api = await server.call<ProjectCurves>("GET", `/api/projects/${PROJECT}/curves?split=test@1&graders=graders@1`);
    const c = api.curves[0] as ProjectCurves["curves"][number];
    expect(c.members.map((m) => m.name)).toEqual(["data-60", "data-120", "data-240", "data-480"]);
    await expect.poll(points).toEqual(c.members.map((m) => [m.name, m.examples, m.score]));
    const link = panel().locator("[data-testid=curve-panel-link]");
    expect(await link.getAttribute("href")).toBe(`/projects/${PROJECT}/curve?split=test%401&graders=graders%401`);
    await page.screenshot({ path: join(ARTIFACTS, "leaderboard-older-graders-curve.png"), fullPage: true });

    // the full curve page: the same experiments, saying which split and grader set, with a link to the current ones'
    await link.click();
    await page.locator("[data-testid=curve-card]").waitFor();
    expect(await page.locator("[data-testid=curve-card]").count()).toBe(1);
    expect(await page.locator(".curve-page .page-head p.muted").textContent()).toBe(
      "exact on test@1 with graders@1 against training-set size, for experiments that differ only in their data.",
    );
    const older = page.locator("[data-testid=curve-older]");
    expect(await older.textContent()).toBe(
      "The link asks for the experiments scored on test@1 with graders@1: see the curves of the current test split and grader set.",
    );
    await older.locator("a").click();
    await expect.poll(() => page.locator(".curve-page .page-head p.muted").textContent()).toContain("loose on test@2 with graders@2");
    expect(await page.locator("[data-testid=curve-card]").count()).toBe(0);
    expect(await page.locator("[data-testid=curve-older]").count()).toBe(0);
  }, 120_000);
});
