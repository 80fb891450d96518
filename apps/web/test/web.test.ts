// The web app in real Chromium against the real API on a workspace filled by the real engine: leaderboard (sort,
// filter, keyboard), experiment (loss curve drawn, items, diff), compare (regressions), datasets, graders, and a
// running experiment watched live over SSE. Screenshots of every page go to apps/web/test-artifacts/.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { addExperimentWarnings, addSamplingNotes, setExperimentEarlyStop } from "@tunelab/core";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { buildWeb, WEB_ROOT } from "./build-web.ts";
import { type FixtureServer, PROJECT, seedTickets, startServer, waitFinished } from "./fixture-server.ts";
import { OPEN_PROJECT, type OpenWeightSeed, seedOpenWeights } from "./open-weight-fixture.ts";

const ARTIFACTS = join(WEB_ROOT, "test-artifacts");
let dist: string;
let server: FixtureServer;
let chromium: LaunchedBrowser;
let seeded: { baseline: string; tuned: string[] };
let page: Page;

beforeAll(async () => {
  // chromium first: without it nothing else is worth starting, and the message says how to install it
  chromium = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  dist = await buildWeb();
  server = await startServer({ webDir: dist });
  seeded = await seedTickets(server);
  page = await chromium.context.newPage();
  page.on("pageerror", (error) => console.error("[browser] page error:", error.message));
}, 180_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  if (dist) rmSync(dist, { recursive: true, force: true });
}, 60_000);

const shot = (p: Page, name: string) => p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const rowNames = (p: Page) => p.locator("[data-testid=leaderboard-table] tbody td.name a").allTextContents();

describe("web app in Chromium", () => {
  it("lists projects with their best score", async () => {
    await page.goto(server.url);
    const card = page.locator(`[data-project=${PROJECT}]`);
    await card.waitFor();
    expect(await card.textContent()).toContain("best fields");
    expect(await card.locator("dd").nth(1).textContent()).toContain("3");
    await shot(page, "projects");
  });

  it("shows the leaderboard, sorts by click and by keyboard, filters, and keeps it all in the URL", async () => {
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await page.locator("[data-testid=leaderboard-table] tbody tr").nth(2).waitFor();
    expect(await rowNames(page)).toHaveLength(3);
    expect(await page.locator("[data-testid=leaderboard-table] tbody td.rank").first().textContent()).toBe("1");
    // the chart: a canvas with one point per scored experiment
    await expect.poll(() => page.locator("[data-testid=score-chart]").getAttribute("data-points")).toBe("3");
    expect(await page.locator("[data-testid=score-chart] canvas").count()).toBe(1);
    await shot(page, "leaderboard");

    // only the columns the API sorts by offer sorting (a grader's column and examples do not)
    const sortable = await page
      .locator("[data-testid=leaderboard-table] thead button.sort")
      .evaluateAll((b) => b.map((x) => x.getAttribute("data-column")));
    expect(sortable).toEqual([
      "rank",
      "name",
      "score",
      "status",
      "dataset",
      "model",
      "method",
      "trained_tokens",
      "training_seconds",
      "cost",
    ]);
    await page.click("button.sort[data-column=name]");
    await expect.poll(() => rowNames(page)).toEqual(["baseline", "v1-3ep", "v2-3ep"]);
    expect(page.url()).toContain("sort=name");
    expect(await page.getAttribute("th:has(button[data-column=name])", "aria-sort")).toBe("ascending");
    // keyboard: focus the same header and press Enter to reverse
    await page.focus("button.sort[data-column=name]");
    await page.keyboard.press("Enter");
    await expect.poll(() => rowNames(page)).toEqual(["v2-3ep", "v1-3ep", "baseline"]);
    expect(page.url()).toContain("order=desc");

    // a server-side filter and the search box
    await page.selectOption("select[name=dataset]", "train@2");
    await expect.poll(() => rowNames(page)).toEqual(["v2-3ep"]);
    expect(page.url()).toContain("dataset=train%402");
    await page.selectOption("select[name=dataset]", "");
    await page.fill("input[name=q]", "v1");
    await expect.poll(() => rowNames(page)).toEqual(["v1-3ep"]);
    // a shared link restores the same view
    const shared = page.url();
    const other = await chromium.context.newPage();
    await other.goto(shared);
    await expect.poll(() => rowNames(other)).toEqual(["v1-3ep"]);
    expect(await other.inputValue("input[name=q]")).toBe("v1");
    await other.close();
    await page.fill("input[name=q]", "nothing-like-this");
    await page.getByText("No experiment matches the search").waitFor();
    await page.fill("input[name=q]", "");

    // phone width: still usable, the table scrolls sideways inside its box
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await page.locator("[data-testid=leaderboard-table] tbody tr").nth(2).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await shot(page, "leaderboard-phone");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("pages a board longer than a page: Next and Previous keep the whole board's ranks and filter options", async () => {
    await page.goto(`${server.url}/projects/${PROJECT}?per=2`);
    await page.locator("[data-testid=board-pager]").waitFor();
    await expect.poll(() => page.locator("[data-testid=board-range]").textContent()).toBe("rows 1–2 of 3");
    expect(await rowNames(page)).toHaveLength(2);
    await page.getByRole("button", { name: "Next ›" }).click();
    await expect.poll(() => page.locator("[data-testid=board-range]").textContent()).toBe("rows 3–3 of 3");
    expect(page.url()).toContain("page=2");
    const whole = await server.call<{ rows: { rank: number | null }[] }>("GET", `/api/projects/${PROJECT}/leaderboard`);
    expect(await page.locator("[data-testid=leaderboard-table] tbody td.rank").allTextContents()).toEqual([String(whole.rows[2]?.rank)]);
    expect(await page.getByRole("button", { name: "Next ›" }).isDisabled()).toBe(true);
    // the filters offer every dataset of the board, not only this page's
    await expect
      .poll(() => page.locator("select[name=dataset] option").evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value)))
      .toEqual(["", "train@1", "train@2"]);
    await page.getByRole("button", { name: "‹ Previous" }).click();
    await expect.poll(() => page.locator("[data-testid=board-range]").textContent()).toBe("rows 1–2 of 3");
    // a link past the last page says so instead of "no experiments yet"
    await page.goto(`${server.url}/projects/${PROJECT}?per=2&page=9`);
    await page.getByText("This page is past the last one").waitFor();
    // one page: no pager
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await page.locator("[data-testid=leaderboard-table] tbody tr").nth(2).waitFor();
    expect(await page.locator("[data-testid=board-pager]").count()).toBe(0);
  });

  it("opens an experiment: config, loss curve drawn, grader summary, filtered items with output-vs-reference diff", async () => {
    await page.goto(`${server.url}/projects/${PROJECT}?sort=name&order=desc`);
    await page.click("text=v2-3ep");
    await page.waitForURL(/\/experiments\/exp_/);
    const chart = page.locator("[data-testid=loss-chart]");
    await chart.locator("canvas").waitFor();
    expect(Number(await chart.getAttribute("data-points"))).toBeGreaterThan(10);
    // the canvas has pixels drawn on it (not just an empty frame)
    const inked = await chart.locator("canvas").evaluate((canvas: HTMLCanvasElement) => {
      const data = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(500);
    expect(await page.locator("[data-testid=grader-summary] tbody tr").count()).toBe(3);
    await page.locator("[data-testid=items-table] tbody tr[data-item]").first().waitFor();
    expect(await page.locator("[data-testid=items-table] tbody tr[data-item]").count()).toBe(50);

    const board = await server.call("GET", `/api/projects/${PROJECT}/leaderboard`);
    const row = board.rows.find((r: { name: string }) => r.name === "v2-3ep");
    await page.click("button[data-filter=passed]");
    expect(page.url()).toContain("status=passed");
    await expect.poll(() => page.locator("[data-testid=item-count]").textContent()).toContain(`${row.resultCounts.passed} item(s)`);
    await page.click("button[data-filter=failed]");
    await expect.poll(() => page.locator("[data-testid=item-count]").textContent()).toContain(`${row.resultCounts.failed} item(s)`);
    const statuses = await page
      .locator("[data-testid=items-table] tbody tr[data-item]")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-status")));
    expect(new Set(statuses)).toEqual(new Set(["failed"]));
    await page.selectOption("select[name=tag]", "billing");
    expect(page.url()).toContain("tag=billing");
    await page.fill("input[name=q]", "invoice");
    await expect
      .poll(async () =>
        (await page.locator("[data-testid=items-table] tbody tr[data-item]").allTextContents()).every((t) => /invoice/i.test(t)),
      )
      .toBe(true);
    // the server searched every sample of the filter (prompt, reference, output): the count is its total
    const found = await server.call("GET", `/api/eval-runs/${row.evalRunId}/samples?status=failed&tag=billing&q=invoice`);
    expect(page.url()).toContain("q=invoice");
    await expect.poll(() => page.locator("[data-testid=item-count]").textContent()).toContain(`${found.total} item(s)`);
    await page.fill("input[name=q]", "");
    await page.selectOption("select[name=tag]", "");
    // the diff: a failed item's output against its reference
    await page.locator("[data-testid=items-table] tbody tr[data-item] button[aria-expanded]").first().click();
    await page.locator(".item-detail").waitFor();
    expect(await page.locator("[data-testid=items-table] .diff").first().locator("ins, del").count()).toBeGreaterThan(0);
    await shot(page, "experiment");
  });

  it("shows a sample's tool calls in its output and the model's reasoning in its details", async () => {
    const id = seeded.tuned[0] as string;
    const runId = (await server.call("GET", `/api/experiments/${id}`)).evalRunId as string;
    const sample = server.ws.db.updateTable("eval_samples").where("run_id", "=", runId).where("item_id", "=", "1");
    const before = await server.ws.db
      .selectFrom("eval_samples")
      .select(["output_text", "output_tools_json", "reasoning_text"])
      .where("run_id", "=", runId)
      .where("item_id", "=", "1")
      .executeTakeFirstOrThrow();
    const call = { id: "call_0", type: "function", function: { name: "route", arguments: '{"to":"billing"}' } };
    await sample.set({ output_text: "", output_tools_json: JSON.stringify([call]), reasoning_text: "An invoice: billing." }).execute();
    try {
      await page.goto(`${server.url}/experiments/${id}?item=1`);
      const detail = page.locator(".item-detail");
      await detail.waitFor();
      // the row diffs it against the reference (a JSON answer here), so the call's text is there, interleaved
      expect(await page.locator('tr[data-item="1"] td.output ins').allTextContents()).toContain("route(");
      expect(await detail.locator("pre.diff").nth(1).textContent()).toBe('route({"to":"billing"})');
      await detail.locator("[data-testid=reasoning] summary").click();
      expect(await detail.locator("[data-testid=reasoning] pre").textContent()).toBe("An invoice: billing.");
    } finally {
      await sample.set(before).execute();
    }
  });

  it("shows the provider's warnings on an experiment's page, and no warning box where there were none", async () => {
    const [warned, quiet] = seeded.tuned;
    const message = "2 of 10 training examples are longer than the model's training context of 256 tokens";
    await addExperimentWarnings(server.ws.db, warned as string, [message]);
    await page.goto(`${server.url}/experiments/${warned}`);
    const box = page.locator("[data-testid=experiment-warnings]");
    await box.waitFor();
    expect(await box.locator("li").allTextContents()).toEqual([message]);
    await shot(page, "experiment-warnings");
    await page.goto(`${server.url}/experiments/${quiet}`);
    await page.locator("h1").waitFor();
    await page.locator("[data-testid=loss-chart]").waitFor();
    expect(await page.locator("[data-testid=experiment-warnings]").count()).toBe(0);
  });

  it("says on an experiment's page what sampling the model refused, and nothing where it refused none", async () => {
    const [noted, quiet] = seeded.tuned;
    const experiment = (await server.call("GET", `/api/experiments/${noted}`)) as { evalRunId: string };
    const note = "gpt-5-mini accepts only its default temperature: sent without temperature 0, so it sampled at its default (1)";
    await addSamplingNotes(server.ws.db, experiment.evalRunId, [note]);
    await page.goto(`${server.url}/experiments/${noted}`);
    const box = page.locator("[data-testid=sampling-notes]");
    await box.waitFor();
    expect(await box.locator("li").allTextContents()).toEqual([note]);
    await page.goto(`${server.url}/experiments/${quiet}`);
    await page.locator("[data-testid=grader-summary]").waitFor();
    expect(await page.locator("[data-testid=sampling-notes]").count()).toBe(0);
  });

  it("says on an experiment's page that training stopped early and which step the tuned model keeps", async () => {
    const [stopped, ran] = seeded.tuned;
    const message = "Early stopping at step 780: validation loss and token accuracy did not improve for 3 validations in a row";
    await setExperimentEarlyStop(server.ws.db, stopped as string, { step: 780, bestStep: 546, bestValidLoss: 0.0123, message });
    await page.goto(`${server.url}/experiments/${stopped}`);
    const box = page.locator("[data-testid=experiment-early-stop]");
    await box.waitFor();
    const text = await box.textContent();
    expect(text).toContain("keeps the weights of step 546 (validation loss 0.0123)");
    expect(text).toContain(message);
    expect(await page.locator(".notice", { has: box }).locator("strong").first().textContent()).toContain("stopped early, at step 780");
    await shot(page, "experiment-early-stop");
    await page.goto(`${server.url}/experiments/${ran}`);
    await page.locator("h1").waitFor();
    await page.locator("[data-testid=loss-chart]").waitFor();
    expect(await page.locator("[data-testid=experiment-early-stop]").count()).toBe(0);
  });

  it("selects two experiments and compares them: the regressed items are listed", async () => {
    const best = seeded.tuned[1] ?? "";
    const expected = await server.call("GET", `/api/compare?a=${best}&b=${seeded.baseline}`);
    expect(expected.regressed.length).toBeGreaterThan(0);

    await page.goto(`${server.url}/projects/${PROJECT}`);
    await page.locator(`tr[data-id=${best}] input[type=checkbox]`).check();
    expect(await page.isDisabled("[data-testid=compare-button]")).toBe(true);
    await page.locator(`tr[data-id=${seeded.baseline}] input[type=checkbox]`).check();
    await page.click("[data-testid=compare-button]");
    await page.waitForURL(/\/compare\?/);
    const regressed = page.locator("[data-testid=regressed]");
    await regressed.locator("article").first().waitFor();
    expect(await regressed.locator("article").count()).toBe(Math.min(20, expected.regressed.length));
    expect(await regressed.locator("h2").textContent()).toContain(`${expected.regressed.length} item(s)`);
    expect(await page.locator("[data-testid=compare-graders] tbody tr").count()).toBe(3);
    expect(await page.textContent("main")).toContain("n_epochs");
    await shot(page, "compare");
  });

  it("shows datasets with stats, a token histogram, leakage, a diff, the test split and grader set versions", async () => {
    await page.goto(`${server.url}/projects/${PROJECT}/datasets?dataset=train&from=1&to=2`);
    await page.locator("[data-testid=versions] tbody tr").nth(1).waitFor();
    await expect.poll(() => page.locator("[data-testid=token-histogram]").getAttribute("data-points")).not.toBeNull();
    expect(Number(await page.locator("[data-testid=token-histogram]").getAttribute("data-points"))).toBeGreaterThan(5);
    await page.locator("[data-testid=dataset-diff]").waitFor();
    expect(await page.textContent("[data-testid=dataset-diff]")).toMatch(/\+360 added/);
    expect(await page.locator("[data-testid=grader-sets] tbody tr").count()).toBe(1);
    await shot(page, "datasets");
    await page.click("text=test (test split)");
    await page.getByText("frozen test split").waitFor();
  });

  it("tries a grader on one sample", async () => {
    await page.goto(`${server.url}/projects/${PROJECT}/graders`);
    await page.locator("[data-testid=grader-types] button").first().waitFor();
    await page.click("button:has-text('Grade')");
    const result = page.locator("[data-testid=grader-result]");
    await result.waitFor();
    expect(await result.textContent()).toContain("1.000");
    await page.fill("#sample-text", "something else");
    await page.click("button:has-text('Grade')");
    await expect.poll(() => result.textContent()).toContain("0.000");
    await page.fill("#grader-json", "{ not json");
    await page.click("button:has-text('Grade')");
    await page.getByText("Not valid JSON").waitFor();
    await shot(page, "graders");
  });

  it("watches a running experiment update live (status, loss curve, eval) without a reload", async () => {
    const created = await server.call("POST", `/api/projects/${PROJECT}/experiments`, {
      dataset: "train@2",
      model: "local-tiny",
      name: "live-8ep",
      hyperparameters: { n_epochs: 8, batch_size: 8 },
      run: false,
    });
    const id: string = created.experiment.id;
    const board = await chromium.context.newPage();
    await board.goto(`${server.url}/projects/${PROJECT}`);
    await board.locator(`tr[data-id=${id}]`).waitFor();
    await page.goto(`${server.url}/experiments/${id}`);
    await page.getByText("Waiting for the first training step").waitFor();
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const points = () => page.locator("[data-testid=loss-chart]").getAttribute("data-points").then(Number);

    void server.services.experiments.run(id);
    await expect.poll(() => page.locator("h1 .badge").textContent(), { timeout: 30_000 }).toMatch(/uploading|training/);
    await expect.poll(points, { timeout: 30_000 }).toBeGreaterThan(5);
    const early = await points();
    await expect.poll(points, { timeout: 30_000 }).toBeGreaterThan(early);
    await shot(page, "experiment-live");
    await expect.poll(() => board.locator(`tr[data-id=${id}] .badge`).textContent(), { timeout: 30_000 }).toMatch(/training|evaluating/);

    await waitFinished(server, id);
    await expect.poll(() => page.locator("h1 .badge").textContent(), { timeout: 30_000 }).toBe("completed");
    await page.locator("[data-testid=grader-summary]").waitFor({ timeout: 30_000 });
    expect(await page.textContent("[data-testid=live-log]")).toContain("training");
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await expect.poll(() => board.locator(`tr[data-id=${id}] .badge`).textContent(), { timeout: 30_000 }).toBe("completed");
    // the SSE status lands first; the row's score and rank follow with the refetch it triggers
    await expect.poll(() => board.locator(`tr[data-id=${id}] td.rank`).textContent(), { timeout: 10_000 }).toMatch(/^\d+$/);
    await shot(page, "experiment-completed");
    await shot(board, "leaderboard-after-live");
    await board.close();
  }, 120_000);
});

describe("open-weight experiments in Chromium", () => {
  let open: OpenWeightSeed;
  const names = (p: Page) => p.locator("[data-testid=leaderboard-table] tbody td.name a").allTextContents();
  const methods = (p: Page) => p.locator("[data-testid=leaderboard-table] tbody td.method").allTextContents();

  beforeAll(async () => {
    open = await seedOpenWeights(server);
  }, 600_000);

  it("shows each experiment's method on the leaderboard and filters by method and base model", async () => {
    await page.goto(`${server.url}/projects/${OPEN_PROJECT}?sort=name`);
    await expect.poll(() => names(page)).toEqual(["dpo-b02", "lora-qv", "tiny-full"]);
    expect(await methods(page)).toEqual(["dpo", "supervised", "supervised"]);
    await page.selectOption("select[name=method]", "dpo");
    await expect.poll(() => names(page)).toEqual(["dpo-b02"]);
    expect(page.url()).toContain("method=dpo");
    await page.selectOption("select[name=method]", "");
    await page.selectOption("select[name=model]", "tiny-qwen2");
    await expect.poll(() => names(page)).toEqual(["dpo-b02", "lora-qv"]);
    await page.selectOption("select[name=method]", "supervised");
    await expect.poll(() => names(page)).toEqual(["lora-qv"]);
    await shot(page, "leaderboard-open-weights");
  });

  it("shows the base checkpoint, method, LoRA settings and trainable parameters, and downloads the PEFT adapter", async () => {
    await page.goto(`${server.url}/experiments/${open.lora}`);
    const card = page.locator("[data-testid=training-setup]");
    await card.waitFor();
    expect(await page.textContent("[data-testid=method]")).toBe("supervised");
    expect(await card.textContent()).toContain("tiny-qwen2 (Qwen2ForCausalLM)");
    const settings = await page.locator("[data-testid=lora-settings]").textContent();
    expect(settings).toContain("rank4");
    expect(settings).toContain("target modulesq_proj, v_proj");
    // hidden 64, 2 layers, 2 KV heads of 16: 2 layers · rank 4 · (q 64+64 + v 64+32)
    expect(await page.textContent("[data-testid=trainable-parameters]")).toMatch(/^1,792 \(\d+\.\d\d% of the base\)$/);
    await shot(page, "experiment-open-weight");

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("a[data-format=peft]")]);
    expect(download.suggestedFilename()).toMatch(/^ft-tiny-qwen2-.*-peft\.tar$/);
    const saved = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(saved);
    const listed = execFileSync("tar", ["-tf", saved], { encoding: "utf8" }).trim().split("\n").sort();
    const folder = download.suggestedFilename().replace(/\.tar$/, "");
    expect(listed).toEqual([`${folder}/`, `${folder}/adapter_config.json`, `${folder}/adapter_model.safetensors`]);
    rmSync(saved);
    expect(await page.getAttribute("a[data-format=merged]", "href")).toContain(`/api/experiments/${open.lora}/export?format=merged`);
    expect(await page.getAttribute("a[data-format=gguf]", "href")).toContain(`/api/experiments/${open.lora}/export?format=gguf`);
  });

  it("shows DPO with its beta, and no open-weight card for a built-in size", async () => {
    await page.goto(`${server.url}/experiments/${open.dpo}`);
    await page.locator("[data-testid=training-setup]").waitFor();
    expect(await page.textContent("[data-testid=method]")).toBe("dpo");
    expect(await page.textContent(".experiment")).toContain("beta");
    await page.goto(`${server.url}/experiments/${open.builtIn}`);
    await page.locator("[data-testid=method]").waitFor();
    await page.locator("[data-testid=grader-summary]").waitFor();
    expect(await page.locator("[data-testid=training-setup]").count()).toBe(0);
  });
});
