// The leaderboard's test split selector in real Chromium against the real API: a project whose test split changed
// (test@1 with three scored experiments, test@2 with one) shows the current split's board by default, offers both
// versions, shows the older split's board when chosen (in the URL, with the filters and the sort), says it is an older
// split's with a link back to the current board, and keeps the ranks of the older board's whole.
import { join } from "node:path";
import { createExperiment, saveGraderSet, setTestSplit, type Workspace } from "@tunelab/core";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { samplesAtPassRate, scoreExperiment } from "../../../packages/core/src/test-support/score-experiment.ts";
import { ARTIFACTS, boardCells, type SeededWeb, seededWeb, selectOptions } from "./seeded-web.ts";

const PROJECT = "splits";
const ITEMS = 20;
const chat = (user: string, assistant: string) =>
  JSON.stringify({
    messages: [
      { role: "user", content: user },
      { role: "assistant", content: assistant },
    ],
  });
const jsonl = (lines: string[]) => `${lines.join("\n")}\n`;

async function seed(ws: Workspace): Promise<void> {
  const split = (prefix: string) =>
    jsonl(Array.from({ length: ITEMS }, (_, i) => chat(`${prefix} ticket ${i}`, i % 2 ? "billing" : "bug")));
  await setTestSplit(ws, { project: PROJECT, text: split("first"), fileName: "test1.jsonl" });
  await saveGraderSet(ws, PROJECT, {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  const scored = async (name: string, model: string, rate: number) => {
    const { experiment } = await createExperiment(ws, { project: PROJECT, model, method: "none", name });
    await scoreExperiment(ws, experiment.id, samplesAtPassRate(ITEMS, rate), { model });
  };
  await scored("old-high", "local-tiny", 0.9);
  await scored("old-mid", "local-small", 0.6);
  await scored("old-low", "local-medium", 0.3);
  await setTestSplit(ws, { project: PROJECT, text: split("second"), fileName: "test2.jsonl" });
  await scored("new-one", "local-large", 0.5);
}

let web: SeededWeb;
let page: Page;
let server: SeededWeb["server"];

beforeAll(async () => {
  web = await seededWeb("split", seed);
  ({ page, server } = web);
}, 180_000);

afterAll(async () => {
  await web?.close();
}, 60_000);

describe("the leaderboard's test split selector in Chromium", () => {
  it("shows the current split's board by default, an older split's on choice (in the URL), and links back", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await expect.poll(() => boardCells(page)).toEqual(["new-one:1"]);
    await expect.poll(() => selectOptions(page, "split")).toEqual(["test@2=test@2 (current)", "test@1=test@1"]);
    expect(await page.locator("select[name=split]").inputValue()).toBe("test@2");
    expect(await page.locator("[data-testid=older-split]").count()).toBe(0);

    await page.selectOption("select[name=split]", "test@1");
    await expect.poll(() => boardCells(page)).toEqual(["old-high:1", "old-mid:2", "old-low:3"]);
    expect(new URL(page.url()).searchParams.get("split")).toBe("test@1");
    expect(await page.locator("select[name=split]").inputValue()).toBe("test@1");
    const notice = page.locator("[data-testid=older-split]");
    expect(await notice.textContent()).toBe(
      "This is the board of test@1, an older test split: it ranks the experiments scored on it. The current split is test@2: see its board.",
    );
    await page.screenshot({ path: join(ARTIFACTS, "leaderboard-older-split.png"), fullPage: true });

    // the filters and the sort apply to the older board, whose ranks stay its whole board's
    await page.selectOption("select[name=model]", "local-small");
    await expect.poll(() => boardCells(page)).toEqual(["old-mid:2"]);
    await page.goto(`${server.url}/projects/${PROJECT}?split=test@1&sort=name`);
    await expect.poll(() => boardCells(page)).toEqual(["old-high:1", "old-low:3", "old-mid:2"]);
    expect(await page.locator("select[name=split]").inputValue()).toBe("test@1");

    // the link goes back to the current split's board, keeping the sort
    await page.evaluate(() => {
      (window as unknown as { notReloaded?: boolean }).notReloaded = true;
    });
    await notice.locator("a", { hasText: "see its board" }).click();
    await expect.poll(() => boardCells(page)).toEqual(["new-one:1"]);
    expect(new URL(page.url()).searchParams.get("split")).toBeNull();
    expect(new URL(page.url()).searchParams.get("sort")).toBe("name");
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await page.locator("[data-testid=older-split]").count()).toBe(0);
    expect(await page.locator("select[name=split]").inputValue()).toBe("test@2");

    // choosing the current split again leaves no ?split= in the URL
    await page.selectOption("select[name=split]", "test@1");
    await expect.poll(() => boardCells(page)).toEqual(["old-high:1", "old-low:3", "old-mid:2"]);
    await page.selectOption("select[name=split]", "test@2");
    await expect.poll(() => boardCells(page)).toEqual(["new-one:1"]);
    expect(new URL(page.url()).searchParams.has("split")).toBe(false);
  }, 120_000);
});
