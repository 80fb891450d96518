// Issue 15, "Missing": starting work from the web app, in real Chromium against the real API and the real engine.
// Uploads a training file with a defect (the report names line and field, nothing is stored) and a good one (stored,
// leakage into the test split reported, the new version opens); runs a baseline and an experiment from the form to
// completion (a refused hyperparameter shows the API's message next to its input first, and nothing is created);
// creates a long experiment without running it, starts it with "Run now" and cancels it mid-run with the keyboard. Screenshots at 1280 and 390 px go to apps/web/test-artifacts/.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { registerBaseModel } from "@tunelab/engine";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { buildWeb, WEB_ROOT } from "./build-web.ts";
import { type FixtureServer, startServer } from "./fixture-server.ts";

const ARTIFACTS = join(WEB_ROOT, "test-artifacts");
const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const QWEN2 = fileURLToPath(new URL("../../../packages/engine/fixtures/hf/qwen2", import.meta.url));
const PROJECT = "starter";
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

const system = { role: "system", content: "Route the ticket." };
const chat = (user: string, label: string) =>
  JSON.stringify({ messages: [system, { role: "user", content: user }, { role: "assistant", content: label }] });
const TEST: Array<[string, string]> = [
  ["My bill is too high", "billing"],
  ["The button does nothing", "bug"],
  ["I forgot my login", "account"],
  ["Charged twice this month", "billing"],
];
const TRAIN: Array<[string, string]> = [
  ["My invoice is wrong", "billing"],
  ["The app crashes on start", "bug"],
  ["How do I reset my password?", "account"],
  ["I was charged twice", "billing"],
  ["Error 500 when saving", "bug"],
  ["Change my email address", "account"],
  ["Refund my last order", "billing"],
  ["The page is blank", "bug"],
  ["Delete my account", "account"],
  ["Update my card", "billing"],
  ["Search returns nothing", "bug"],
  ["Add a second user", "account"],
];
const lines = (rows: string[]) => `${rows.join("\n")}\n`;

let dist: string;
let server: FixtureServer;
let chromium: LaunchedBrowser;
let page: Page;
let baselineId = "";

beforeAll(async () => {
  chromium = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  dist = await buildWeb();
  server = await startServer({ webDir: dist });
  const engine = server.services.engine;
  if (!engine) throw new Error("the test needs the server's engine");
  // an open-weight base, so the form offers LoRA settings (nothing trains on it here)
  await registerBaseModel(engine.store, { dir: QWEN2, name: "tiny-qwen2" });
  await server.call("POST", "/api/projects", { name: PROJECT, description: "Started from the web app." });
  await server.call("PUT", `/api/projects/${PROJECT}/test-split`, lines(TEST.map(([u, l]) => chat(u, l))));
  await server.call("PUT", `/api/projects/${PROJECT}/graders`, {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
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
    const wide = await p.evaluate(() =>
      [...document.querySelectorAll("main *")]
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .filter((el) => !el.parentElement?.closest(".table-wrap, pre, .chart"))
        .slice(0, 5)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`),
    );
    expect(overflow, `${name} at ${size.width} px scrolls sideways: ${wide.join(", ")}`).toBeLessThanOrEqual(0);
    await p.screenshot({ path: join(ARTIFACTS, `${name}-${size.width}.png`), fullPage: true });
  }
  await p.setViewportSize(DESKTOP);
}

const datasets = async () =>
  ((await server.call("GET", `/api/projects/${PROJECT}/datasets`)).data as Array<{ name: string; versions: unknown[] }>).filter(
    (d) => d.name !== "test",
  );
const experiments = async () => (await server.call("GET", `/api/projects/${PROJECT}/experiments`)).data as Array<{ id: string }>;
const file = (name: string, text: string) => ({ name, mimeType: "application/jsonl", buffer: Buffer.from(text) });
const badge = (p: Page) => p.locator("h1 .badge").first();

describe("starting work from the web app", () => {
  it("uploads a file with a defect: the report names line and field, and nothing is stored", async () => {
    await page.goto(`${server.url}/projects/${PROJECT}/datasets`);
    // no training data yet: the upload form is open
    const form = page.locator("form[aria-label='import a dataset version']");
    await form.waitFor();
    expect(await page.inputValue("#up-new-name")).toBe("train");
    const rows = TRAIN.map(([u, l]) => chat(u, l));
    rows[2] = JSON.stringify({ messages: [system, { role: "robot", content: "hi" }, { role: "assistant", content: "bug" }] });
    await page.setInputFiles("#up-file", file("tickets-bad.jsonl", lines(rows)));
    await page.fill("#up-message", "first tickets");
    // a dataset name the API refuses: its message stands under the dataset field
    await page.fill("#up-new-name", "my data");
    await page.getByRole("button", { name: "Validate and import" }).click();
    await expect.poll(() => page.locator("#up-dataset-error").textContent()).toContain("letters, digits");
    await page.fill("#up-new-name", "train");
    await page.getByRole("button", { name: "Validate and import" }).click();
    const verdict = page.locator("[data-testid=report-verdict]");
    await expect.poll(() => verdict.textContent()).toContain("nothing was written");
    expect(await verdict.textContent()).toContain("tickets-bad.jsonl: 1 error");
    const issue = page.locator("[data-testid=report-issues] li[data-code=unrecognized_role]");
    expect(await issue.getAttribute("data-line")).toBe("3");
    expect(await issue.getAttribute("data-path")).toBe("messages[1].role");
    expect(await issue.textContent()).toMatch(/^line 3\s*error unrecognized_role messages\[1\]\.role:/);
    expect(await datasets()).toEqual([]);
    await shots(page, "upload-errors");
  });

  it("uploads a good file: stored, its leakage into the test split reported, and the new version opens", async () => {
    // one example repeats a test item: it is left out of the version and reported, as `data import` does
    const rows = [...TRAIN.map(([u, l]) => chat(u, l)), chat(TEST[0]?.[0] ?? "", TEST[0]?.[1] ?? "")];
    await page.setInputFiles("#up-file", file("tickets.jsonl", lines(rows)));
    await page.fill("#up-message", "first tickets");
    await page.getByRole("button", { name: "Validate and import" }).click();
    await expect.poll(() => page.url()).toContain("dataset=train&v=1");
    const verdict = page.locator("[data-testid=report-verdict]");
    expect(await verdict.textContent()).toContain(`valid supervised data, ${TRAIN.length} examples`);
    expect(await verdict.textContent()).toContain("stored as train@1");
    expect(await page.locator("[data-testid=report-leakage]").textContent()).toContain("1 exact duplicate of test items excluded");
    expect(await page.locator("[data-testid=report-issues] li[data-code=test_leakage_exact]").getAttribute("data-line")).toBe(
      String(rows.length),
    );
    // the page shows the new version: in the versions table and its validation panel
    await expect.poll(() => page.locator("[data-testid=versions] tbody tr").count()).toBe(1);
    expect(await page.locator("[data-testid=versions] tbody tr.selected").textContent()).toContain("first tickets");
    const stored = await datasets();
    expect(stored.map((d) => [d.name, d.versions.length])).toEqual([["train", 1]]);
    await shots(page, "upload-stored");
  });

  it("runs a baseline from the form to completion", async () => {
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await page.getByRole("link", { name: "Run a baseline" }).click();
    await expect.poll(() => page.url()).toBe(`${server.url}/projects/${PROJECT}/experiments/new?kind=baseline`);
    await page.locator("#f-model").waitFor();
    expect(await page.inputValue("#f-model")).toBe("local-tiny");
    // a baseline trains nothing: no data or hyperparameter inputs
    expect(await page.locator("#f-dataset").count()).toBe(0);
    expect(await page.locator("#hp-n_epochs").count()).toBe(0);
    await page.fill("#f-name", "tiny as is");
    await shots(page, "new-baseline");
    await page.getByRole("button", { name: "Run baseline" }).click();
    await expect.poll(() => page.url()).toMatch(/\/experiments\/exp_[a-z0-9]+$/);
    const id = page.url().split("/").at(-1) ?? "";
    baselineId = id;
    await expect.poll(() => badge(page).getAttribute("data-status"), { timeout: 120_000 }).toBe("completed");
    const baseline = await server.call("GET", `/api/experiments/${id}`);
    expect(baseline).toMatchObject({ kind: "baseline", method: "none", baseModel: "local-tiny", name: "tiny as is", status: "completed" });
    expect(baseline.evalRunId).toMatch(/^run_/);
  });

  it("shows the API's refusals next to the fields they name and creates nothing; then creates and runs an experiment", async () => {
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await page.getByRole("link", { name: "New experiment" }).click();
    await page.locator("#f-dataset").waitFor();
    expect(await page.inputValue("#f-dataset")).toBe("train@1");
    const before = (await experiments()).length;

    // an open-weight base offers LoRA settings; a rank of 0 is refused next to its input
    await page.selectOption("#f-model", "tiny-qwen2");
    await page.locator("#hp-lora_rank").waitFor();
    await page.fill("#hp-lora_rank", "0");
    await page.check("input[name=lora_target_modules][value=q_proj]");
    await page.check("input[name=lora_target_modules][value=v_proj]");
    await page.getByRole("button", { name: "Create and run" }).click();
    const rankError = page.locator("#hp-lora_rank-error");
    await expect.poll(() => rankError.textContent()).toMatch(/>=\s?1|too small|at least/i);
    expect(await page.getAttribute("#hp-lora_rank", "aria-invalid")).toBe("true");
    // the keyboard is on the refused field
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("hp-lora_rank");
    await shots(page, "new-experiment-lora-error");

    // a built-in size has no LoRA inputs; two refusals at once: epochs and the suffix, each under its input
    await page.selectOption("#f-model", "local-tiny");
    expect(await page.locator("#hp-lora_rank").count()).toBe(0);
    await page.fill("#hp-n_epochs", "0");
    await page.fill("#hp-learning_rate_multiplier", "fast");
    await page.fill("#f-suffix", "not allowed!");
    await page.getByRole("button", { name: "Create and run" }).click();
    await expect.poll(() => page.locator("#hp-n_epochs-error").isVisible()).toBe(true);
    expect(await page.locator("#hp-n_epochs-error").textContent()).toMatch(/>=\s?1|too small|at least/i);
    expect(await page.locator("#hp-learning_rate_multiplier-error").textContent()).toContain("a number, or empty for auto");
    await shots(page, "new-experiment-errors");
    await page.fill("#hp-n_epochs", "2");
    // typing in the field clears its message
    expect(await page.locator("#hp-n_epochs-error").count()).toBe(0);
    await page.getByRole("button", { name: "Create and run" }).click();
    await expect.poll(() => page.locator("#f-suffix-error").isVisible()).toBe(true);
    expect(await page.locator("#f-suffix-error").textContent()).toMatch(/invalid|match|pattern/i);
    // DPO needs preference pairs: the API's refusal is shown at the dataset it names
    await page.fill("#f-suffix", "web");
    await page.fill("#hp-learning_rate_multiplier", "2");
    await page.check("input[name=method][value=dpo]");
    await page.getByRole("button", { name: "Create and run" }).click();
    await expect.poll(() => page.locator("#f-dataset-error").textContent()).toContain("train@1 is supervised data");
    expect((await experiments()).length).toBe(before);

    // fixed: supervised, 2 epochs, batch 4, learning-rate multiplier 2, seed 7, suffix web; but 0 trials is refused
    await page.check("input[name=method][value=supervised]");
    await page.fill("#hp-batch_size", "4");
    await page.fill("#f-seed", "7");
    await page.fill("#f-trials", "0");
    await page.getByRole("button", { name: "Create and run" }).click();
    await expect.poll(() => page.locator("#f-trials-error").isVisible()).toBe(true);
    expect(await page.locator("#f-trials-error").textContent()).toMatch(/>=\s?1|too small|at least/i);
    expect((await experiments()).length).toBe(before);
    // a grader deadline of 0 s is refused next to its field too
    await page.fill("#f-trials", "2");
    await page.fill("#f-grader-timeout", "0");
    await page.getByRole("button", { name: "Create and run" }).click();
    await expect.poll(() => page.locator("#f-grader-timeout-error").isVisible()).toBe(true);
    expect(await page.locator("#f-grader-timeout-error").textContent()).toMatch(/above 0/);
    expect((await experiments()).length).toBe(before);
    // scored with 2 trials per item (at temperature 1, the default with trials), model graders given 90 s and 5 attempts
    await page.fill("#f-grader-timeout", "90");
    await page.fill("#f-grader-attempts", "5");
    await page.getByRole("button", { name: "Create and run" }).click();
    await expect.poll(() => page.url()).toMatch(/\/experiments\/exp_[a-z0-9]+$/);
    const id = page.url().split("/").at(-1) ?? "";
    await expect.poll(() => badge(page).getAttribute("data-status"), { timeout: 180_000 }).toBe("completed");
    const experiment = await server.call("GET", `/api/experiments/${id}`);
    expect(experiment).toMatchObject({ kind: "tuned", method: "supervised", baseModel: "local-tiny", seed: 7, suffix: "web" });
    expect(experiment.hyperparameters.requested).toEqual({ n_epochs: 2, batch_size: 4, learning_rate_multiplier: 2 });
    expect(experiment.evaluation).toEqual({ trials: 2, graderTimeoutSeconds: 90, graderAttempts: 5 });
    await expect.poll(() => page.locator("[data-testid=trials-card] .card-head").textContent()).toContain("2 per item at temperature 1");
    expect(experiment.tunedModel).toContain("web");
    expect((await experiments()).length).toBe(before + 1);
    // the live page drew the training curve and scored it
    expect(await page.locator("[data-testid=train-progress]").textContent()).toMatch(/step \d+ \/ \d+/);
    await shots(page, "experiment-from-form");
  });

  it("cancels a running experiment from its page, with a confirm step, by keyboard", async () => {
    // a long run (480 examples, 50 epochs, batch 1): the cancel lands while it trains
    await server.call("POST", `/api/projects/${PROJECT}/datasets/big/versions`, readFileSync(join(EXAMPLES, "train-v2.jsonl"), "utf8"));
    await page.goto(`${server.url}/projects/${PROJECT}/experiments/new`);
    await page.locator("#f-dataset").waitFor();
    await page.selectOption("#f-dataset", "big@1");
    await page.fill("#hp-n_epochs", "50");
    await page.fill("#hp-batch_size", "1");
    await page.fill("#f-name", "long run");
    // created without running (the CLI's --no-run), it waits on its page until "Run now"
    await page.getByRole("button", { name: "Create without running" }).click();
    await expect.poll(() => page.url()).toMatch(/\/experiments\/exp_[a-z0-9]+$/);
    const id = page.url().split("/").at(-1) ?? "";
    await page.getByTestId("run-experiment").waitFor();
    expect(await badge(page).getAttribute("data-status")).toBe("created");
    expect((await server.call("GET", `/api/experiments/${id}`)).status).toBe("created");
    await page.getByTestId("run-experiment").focus();
    await page.keyboard.press("Enter");
    // training has started: the live page counts steps
    await expect.poll(() => page.locator("[data-testid=train-progress]").textContent(), { timeout: 120_000 }).toMatch(/step [1-9]\d* \//);
    const open = page.getByTestId("cancel-experiment");
    await open.focus();
    await page.keyboard.press("Enter");
    // the confirm button has the focus; Escape backs out and gives the focus back
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("confirm-cancel");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("cancel-experiment");
    expect((await server.call("GET", `/api/experiments/${id}`)).status).toBe("training");
    await page.keyboard.press("Enter");
    await page.getByTestId("confirm-cancel").waitFor();
    await shots(page, "cancel-confirm");
    await page.getByTestId("confirm-cancel").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => badge(page).getAttribute("data-status")).toBe("cancelled");
    const cancelled = await server.call("GET", `/api/experiments/${id}`);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.finishedAt).not.toBeNull();
    // the engine's job stopped: no steps after the cancel, and the page offers no cancel any more
    const job = await (await fetch(`${server.url}/v1/fine_tuning/jobs/${cancelled.providerJobId}`)).json();
    expect(job.status).toBe("cancelled");
    expect(await page.getByTestId("cancel-experiment").count()).toBe(0);
    await shots(page, "experiment-cancelled");

    // "New experiment from this one": the form holds its settings (a cancelled experiment may be made again)
    await page.getByTestId("copy-experiment").click();
    await expect.poll(() => page.url()).toBe(`${server.url}/projects/${PROJECT}/experiments/new?from=${id}`);
    await expect.poll(() => page.locator("[data-testid=copied-from]").textContent()).toContain("long run (cancelled)");
    await expect.poll(() => page.inputValue("#hp-n_epochs")).toBe("50");
    expect(await page.inputValue("#f-dataset")).toBe("big@1");
    expect(await page.inputValue("#hp-batch_size")).toBe("1");
    expect(await page.inputValue("#hp-learning_rate_multiplier")).toBe("");
    expect(await page.inputValue("#f-seed")).toBe("42");
    await shots(page, "new-experiment-from-cancelled");
    // created without running, it waits: a queued experiment is cancelled the same way
    await page.getByRole("button", { name: "Create without running" }).click();
    await expect.poll(() => page.url()).toMatch(/\/experiments\/exp_[a-z0-9]+$/);
    const copy = page.url().split("/").at(-1) ?? "";
    expect(copy).not.toBe(id);
    await page.getByTestId("cancel-experiment").click();
    await page.getByTestId("confirm-cancel").click();
    await expect.poll(() => badge(page).getAttribute("data-status")).toBe("cancelled");
    expect((await server.call("GET", `/api/experiments/${copy}`)).providerJobId).toBeNull();
  });

  it("the leaderboard links to every way of starting work, at 390 px too", async () => {
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await page.getByRole("link", { name: "New experiment" }).waitFor();
    await page.locator("[data-testid=compare-button]").waitFor();
    // at 1280 px the links sit beside the title: the table starts no lower for them
    const [title, links] = await Promise.all([page.locator(".page-head h1").boundingBox(), page.locator("nav.start-links").boundingBox()]);
    expect((links?.y ?? 1e9) + (links?.height ?? 0)).toBeLessThanOrEqual((title?.y ?? 0) + (title?.height ?? 0) + 8);
    // each link's text stands out from its background (not white on white)
    for (const name of ["New experiment", "Run a baseline", "Import data"]) {
      const [color, background] = await page
        .getByRole("link", { name })
        .evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]);
      expect(color, name).not.toBe(background);
    }
    await shots(page, "leaderboard-start-links");
    // a baseline, an experiment and the cancelled one: the refused submissions created nothing
    const all = (await experiments()) as Array<{ id: string; status: string }>;
    expect(all.map((e) => e.status).sort()).toEqual(["cancelled", "cancelled", "completed", "completed"]);

    // the same baseline again: the API finds the identical one, the form links it and creates nothing
    await page.goto(`${server.url}/experiments/${baselineId}`);
    await page.getByTestId("copy-experiment").click();
    await expect.poll(() => page.url()).toBe(`${server.url}/projects/${PROJECT}/experiments/new?from=${baselineId}&kind=baseline`);
    await page.locator("[data-testid=copied-from]").waitFor();
    await page.getByRole("button", { name: "Run baseline" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "An identical baseline exists" }).count()).toBe(1);
    expect(page.url()).toContain("/experiments/new");
    expect((await experiments()).length).toBe(all.length);
    await shots(page, "new-baseline-identical");
  });
});
