// Issue 15, the web app as a newcomer meets it, in real Chromium against the real API and engine: keyboard focus on
// the leaderboard, the dataset diff's selectors, the graders' "try it" on the project's own graders, and the pages a
// newcomer found confusing. Screenshots of each changed page at 1280 px and 390 px go to apps/web/test-artifacts/.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gradersFromJson, saveGraderSet } from "@tunelab/core";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { buildWeb, WEB_ROOT } from "./build-web.ts";
import { type FixtureServer, PROJECT, seedTickets, startServer, waitFinished } from "./fixture-server.ts";

const ARTIFACTS = join(WEB_ROOT, "test-artifacts");
const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const CLI = fileURLToPath(new URL("../../cli/bin/tunelab.mjs", import.meta.url));
/** A second project whose grader set is the demo's: graders.json, the custom priority grader, and a model grader. */
const ROUTING = "routing";
let dist: string;
let server: FixtureServer;
let chromium: LaunchedBrowser;
let seeded: { baseline: string; tuned: string[] };
let page: Page;

beforeAll(async () => {
  chromium = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  dist = await buildWeb();
  server = await startServer({ webDir: dist });
  seeded = await seedTickets(server);
  await server.call("POST", "/api/projects", { name: ROUTING, description: "The demo's graders, tried in the browser." });
  await server.call("PUT", `/api/projects/${ROUTING}/test-split`, readFileSync(join(EXAMPLES, "test.jsonl"), "utf8"));
  // registered in-process, as `tunelab graders add` does (the server refuses code graders over HTTP)
  const fromJson = gradersFromJson(JSON.parse(readFileSync(join(EXAMPLES, "graders.json"), "utf8")), "graders.json");
  const extra = gradersFromJson(
    [
      { type: "custom", name: "priority_distance", path: join(EXAMPLES, "priority-grader.ts") },
      {
        type: "label_model",
        name: "tone",
        model: "gpt-4o-mini",
        input: [{ role: "user", content: "Is this reply polite? {{sample.output_text}}" }],
        labels: ["polite", "rude"],
        passing_labels: ["polite"],
      },
    ],
    "extra graders",
  );
  await saveGraderSet(server.ws, ROUTING, { graders: [...fromJson.graders, ...extra.graders], primaryMetric: "fields" });
  page = await chromium.context.newPage();
  page.on("pageerror", (error) => console.error("[browser] page error:", error.message));
}, 240_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  if (dist) rmSync(dist, { recursive: true, force: true });
}, 60_000);

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/** Full-page screenshots at 1280 px and 390 px: `NAME-1280.png`, `NAME-390.png`; `ready` waits after each resize. */
async function shots(p: Page, name: string, ready: (p: Page) => Promise<unknown> = async () => undefined): Promise<void> {
  for (const size of [DESKTOP, PHONE]) {
    await p.setViewportSize(size);
    await ready(p);
    await p.waitForTimeout(150); // charts redraw on the ResizeObserver's next frame
    await p.screenshot({ path: join(ARTIFACTS, `${name}-${size.width}.png`), fullPage: true });
  }
  await p.setViewportSize(DESKTOP);
}

/** What has the keyboard focus: tag and accessible label. */
const focused = (p: Page) =>
  p.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()}${el.getAttribute("aria-label") ? ` ${el.getAttribute("aria-label")}` : ""}` : "none";
  });

describe("issue 15: broken items", () => {
  it("item 5: ticking a leaderboard checkbox with Space keeps the focus on it, also when a live event refetches the board", async () => {
    await page.goto(`${server.url}/projects/${PROJECT}`);
    const best = seeded.tuned[1] ?? "";
    const box = page.locator(`tr[data-id=${best}] input[type=checkbox]`);
    await box.waitFor();
    await box.focus();
    let requests = 0;
    const count = (r: { url: () => string }) => {
      if (r.url().includes("/api/projects/")) requests++;
    };
    page.on("request", count);
    await page.keyboard.press("Space");
    await expect.poll(() => page.url()).toContain(`sel=${best}`);
    expect(await box.isChecked()).toBe(true);
    expect(await focused(page)).toBe("input select v2-3ep for compare");
    // a selection is no reason to reload the board
    await page.waitForTimeout(300);
    expect(requests).toBe(0);
    page.off("request", count);

    // Tab to the next row's checkbox is not needed: Space again unticks, focus still there
    await page.keyboard.press("Space");
    await expect.poll(() => page.url()).not.toContain("sel=");
    expect(await focused(page)).toBe("input select v2-3ep for compare");
    await page.keyboard.press("Space");

    // a live event (an experiment cancelled elsewhere) refetches the board: rows update in place, focus stays
    const created = await server.call("POST", `/api/projects/${PROJECT}/experiments`, {
      dataset: "train@1",
      model: "local-tiny",
      name: "cancelled-early",
      hyperparameters: { n_epochs: 1, batch_size: 8 },
      run: false,
    });
    await server.call("POST", `/api/experiments/${created.experiment.id}/cancel`);
    await page.locator(`tr[data-id=${created.experiment.id}]`).waitFor();
    expect(await focused(page)).toBe("input select v2-3ep for compare");
    expect(await box.isChecked()).toBe(true);
    await shots(page, "leaderboard-keyboard");
  });

  it('item 6: after "vs @1" the dataset diff\'s from/to selectors show the chosen versions', async () => {
    const chosen = async () => [
      await page.inputValue("select[name=from]"),
      await page.locator("select[name=from] option:checked").textContent(),
      await page.inputValue("select[name=to]"),
      await page.locator("select[name=to] option:checked").textContent(),
    ];
    await page.goto(`${server.url}/projects/${PROJECT}/datasets?dataset=train`);
    await page.locator("[data-testid=versions] tbody tr").nth(1).waitFor();
    expect(await chosen()).toEqual(["", "—", "", "—"]);
    await page.click("[data-testid=versions] button:has-text('vs @1')");
    await page.locator("[data-testid=dataset-diff]").waitFor();
    expect(await chosen()).toEqual(["1", "train@1", "2", "train@2"]);
    // looking at another version keeps the diff's choice
    await page.click("[data-testid=versions] button:has-text('train@1')");
    await expect.poll(() => page.url()).toContain("v=1");
    expect(await chosen()).toEqual(["1", "train@1", "2", "train@2"]);
    // a shared link, the other way round
    await page.goto(`${server.url}/projects/${PROJECT}/datasets?dataset=train&from=2&to=1`);
    await page.locator("[data-testid=dataset-diff]").waitFor();
    expect(await chosen()).toEqual(["2", "train@2", "1", "train@1"]);
    expect(await page.textContent("[data-testid=dataset-diff]")).toMatch(/train@2 → train@1: \+0 added, −360 removed/);
    // and the selectors still drive it
    await page.selectOption("select[name=to]", "2");
    await expect.poll(() => page.url()).toContain("to=2");
    await page.selectOption("select[name=from]", "1");
    await expect.poll(() => page.textContent("[data-testid=dataset-diff]")).toMatch(/\+360 added/);
    expect(await chosen()).toEqual(["1", "train@1", "2", "train@2"]);
    await shots(page, "datasets-diff");
  });

  it('item 4: graders "try it" builds the project\'s test item as the eval runner does, and says up front what cannot run here', async () => {
    const testLines = readFileSync(join(EXAMPLES, "test.jsonl"), "utf8").trim().split("\n");
    const referenceOf = (n: number) => {
      const messages = (JSON.parse(testLines[n - 1] ?? "{}") as { messages: Array<{ role: string; content: string }> }).messages;
      return messages.findLast((m) => m.role === "assistant")?.content ?? "";
    };
    let tries = 0;
    page.on("request", (r) => {
      if (r.url().endsWith("/api/graders/test")) tries++;
    });
    await page.goto(`${server.url}/projects/${ROUTING}/graders`);
    // before anything is pressed: the custom grader and the model grader say why they cannot run here
    const notHere = page.locator("[data-testid=not-here]");
    await notHere.waitFor();
    const reasons = await notHere.locator("li").allTextContents();
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatch(/^priority_distance \(custom\) runs code \(the module .*priority-grader\.ts\) on the server/);
    expect(reasons[0]).toContain("tunelab graders test");
    expect(reasons[1]).toMatch(/^tone \(label_model\) asks the model gpt-4o-mini for its grade/);
    expect(await page.locator("button[data-grader=priority_distance] .tag").textContent()).toBe("runs code");
    expect(await page.locator("button[data-grader=tone] .tag").textContent()).toBe("calls a model");
    expect(await page.locator("button[data-grader=fields] .tag").count()).toBe(0);

    // the primary grader (json_match: reference {{item.reference_json}}) on test item #1, a perfect sample
    await page.click("button[data-grader=fields]");
    await expect.poll(() => page.inputValue("#item-json")).toContain('"messages"');
    await expect.poll(() => page.inputValue("#sample-text")).toBe(referenceOf(1));
    expect(page.url()).toContain("grader=fields");
    await page.click("button:has-text('Grade')");
    const result = page.locator("[data-testid=grader-result]");
    await result.waitFor();
    expect(await result.locator("p").first().textContent()).toMatch(/score 1\.000\s*passed/);
    const rendered = JSON.parse((await page.textContent("[data-testid=rendered]")) ?? "{}");
    expect(rendered.reference).toEqual(JSON.parse(referenceOf(1)));
    await page.click("[data-testid=built-item] summary");
    const built = JSON.parse((await page.textContent("[data-testid=built-item] pre")) ?? "{}");
    expect(built.id).toBe("1");
    expect(built.reference_json).toEqual(JSON.parse(referenceOf(1)));
    expect(built.input.messages.at(-1).role).toBe("user");
    expect(built.tags).toEqual(JSON.parse(testLines[0] ?? "{}").tags);

    // one field wrong: half the fields match
    const wrong = { ...JSON.parse(referenceOf(1)), priority: "low" };
    await page.fill("#sample-text", JSON.stringify(wrong));
    await page.click("button:has-text('Grade')");
    await expect.poll(() => result.locator("p").first().textContent()).toMatch(/score 0\.500\s*failed/);
    // another test item: the item box follows, the edited sample stays
    await page.fill("input[name=item]", "3");
    await page.locator("input[name=item]").press("Enter");
    await expect.poll(() => page.url()).toContain("item=3");
    // (the stored line: the same JSON, keys in canonical order)
    await expect.poll(async () => JSON.parse(await page.inputValue("#item-json"))).toEqual(JSON.parse(testLines[2] ?? "{}"));
    expect(await page.inputValue("#sample-text")).toBe(JSON.stringify(wrong));
    await page.click("button:has-text('Grade')");
    await page.click("[data-testid=built-item] summary");
    await expect.poll(async () => JSON.parse((await page.textContent("[data-testid=built-item] pre")) ?? "{}").id).toBe("3");
    const third = JSON.parse((await page.textContent("[data-testid=rendered]")) ?? "{}");
    expect(third.reference).toEqual(JSON.parse(referenceOf(3)));
    await shots(page, "graders-try", (p) => p.locator("[data-testid=grader-result]").waitFor());

    // the custom grader: loaded to read, not graded; the box says why and gives the command that runs it
    const before = tries;
    await page.click("button[data-grader=priority_distance]");
    await page.locator("[data-testid=try-grader] [data-testid=cannot-run]").waitFor();
    expect(await page.inputValue("#grader-json")).toContain('"type": "custom"');
    expect(await page.isDisabled("button:has-text('Grade')")).toBe(true);
    expect(await page.locator("[data-testid=grader-result]").count()).toBe(0);
    const command = (await page.textContent("[data-testid=cli-command]")) ?? "";
    expect(command).toMatch(/^tunelab graders test --grader '.*priority-grader\.ts' --sample '.*' --item '\{"messages":/);
    expect(tries).toBe(before);
    await shots(page, "graders-custom");
    // the suggested command works as printed (in a shell, `tunelab` being the CLI)
    const out = execFileSync("bash", ["-c", command.replace(/^tunelab /, `"${process.execPath}" "${CLI}" `)], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", TUNELAB_HOME: server.home },
    });
    expect(out).toMatch(/passed · score 1 · low vs low/);

    // the model grader: the same, without a command (the try box calls no provider)
    await page.click("button[data-grader=tone]");
    await expect.poll(() => page.textContent("[data-testid=cannot-run]")).toContain("asks the model gpt-4o-mini");
    expect(await page.isDisabled("button:has-text('Grade')")).toBe(true);
    expect(await page.locator("[data-testid=cli-command]").count()).toBe(0);

    // a hand-written item without messages is used as given, and the box says so
    await page.click("button[data-grader=exact]");
    await page.fill("#item-json", '{"reference": "x"}');
    await page.locator("[data-testid=item-hint]").waitFor();
  });
});

describe("issue 15: confusing items", () => {
  it("datasets: the versions table and the validation panel give one warnings count, and one list holds them all", async () => {
    const { data } = await server.call("GET", `/api/projects/${PROJECT}/datasets`);
    const train = data.find((d: { name: string }) => d.name === "train");
    for (const version of [...train.versions].reverse()) {
      const warnings: number = version.report.warnings;
      expect(warnings).toBeGreaterThan(0); // both versions repeat a few test items
      await page.goto(`${server.url}/projects/${PROJECT}/datasets?dataset=train&v=${version.number}`);
      const row = page.locator("[data-testid=versions] tbody tr.selected");
      await row.waitFor();
      expect(await row.locator("td").nth(4).textContent()).toBe(String(warnings));
      const counted = await page.textContent("[data-testid=validation-count]");
      expect(counted).toContain(`0 error(s), ${warnings} warning(s) (${warnings} of them: examples that repeat a test item)`);
      const listed = page.locator("[data-testid=issues] li");
      expect(await listed.count()).toBe(warnings);
      for (const text of await listed.allTextContents())
        expect(text).toMatch(/^line \d+: leaks into the test split: input is \d+% similar/);
      expect(await page.getByText("No warnings").count()).toBe(0);
    }
    await shots(page, "datasets-validation");
  });

  it("tokens: every token figure says what it counts (all messages, assistant tokens, billed tokens)", async () => {
    await page.goto(`${server.url}/projects/${PROJECT}/datasets?dataset=train`);
    const stats = page.locator("[data-testid=dataset-stats]");
    await stats.waitFor();
    const labels = await stats.locator("dt").allTextContents();
    const tokenLabels = labels.filter((l) => /token/i.test(l));
    expect(tokenLabels.length).toBeGreaterThanOrEqual(4);
    for (const label of tokenLabels) expect(label).toMatch(/\(.*(all messages|all examples, one epoch).*\)/);
    expect(labels).toContain("est. tokens OpenAI bills (all messages × 3 epochs)");
    expect(await page.textContent("[data-testid=versions] thead")).toContain("tokens (all messages)");
    expect(await page.textContent(".datasets")).toContain("reports trained tokens as assistant tokens × epochs");
    await shots(page, "datasets-tokens");

    await page.goto(`${server.url}/projects/${PROJECT}`);
    await page.locator("[data-testid=leaderboard-table] tbody tr").first().waitFor();
    expect(await page.textContent("button.sort[data-column=trained_tokens]")).toContain("trained tokens*");
    expect(await page.textContent("[data-testid=tokens-note]")).toContain(
      "the assistant (loss-bearing) tokens × epochs on the local engine",
    );

    const tuned = seeded.tuned[1] ?? "";
    await page.goto(`${server.url}/experiments/${tuned}`);
    await expect.poll(() => page.textContent("[data-testid=trained-tokens]")).toMatch(/^[\d.,]+k? \(assistant tokens × epochs\)$/);
    expect(await page.textContent(".experiment")).toContain("Training loss (on assistant tokens)");
    await shots(page, "experiment-tokens", (p) => p.locator("[data-testid=loss-chart] canvas").waitFor());
    await page.goto(`${server.url}/experiments/${seeded.baseline}`);
    await expect.poll(() => page.textContent("[data-testid=trained-tokens]")).toBe("— (nothing is trained)");
  });

  it("test split page: no training-only figures, and its items can be browsed and searched", async () => {
    const lines = readFileSync(join(EXAMPLES, "test.jsonl"), "utf8").trim().split("\n");
    type Line = { messages: Array<{ role: string; content: string }>; tags: string[] };
    const parsed = lines.map((l) => JSON.parse(l) as Line);
    await page.goto(`${server.url}/projects/${PROJECT}/datasets?dataset=test`);
    const stats = page.locator("[data-testid=dataset-stats]");
    await stats.waitFor();
    const figures = (await stats.textContent()) ?? "";
    for (const training of ["epoch", "bills", "trained", "assistant tokens"]) expect(figures).not.toContain(training);
    expect(figures).toContain("reference tokens (all items)");
    expect(await page.textContent("[data-testid=validation-count]")).not.toContain("format");
    expect(await page.textContent(".datasets")).not.toContain("reinforcement");

    const table = page.locator("[data-testid=test-items] tbody tr");
    await expect.poll(() => page.textContent("[data-testid=test-item-count]")).toBe(`${lines.length} item(s)`);
    expect(await table.count()).toBe(25);
    const first = parsed[0] as Line;
    expect(await table.first().locator("td").nth(0).textContent()).toBe("1");
    expect(await table.first().locator("td").nth(1).textContent()).toBe(first.messages.findLast((m) => m.role === "user")?.content);
    expect(await table.first().locator("td").nth(2).textContent()).toBe(first.messages.at(-1)?.content);
    await page.click("[data-testid=test-items] button:has-text('Next')");
    await expect.poll(() => table.first().locator("td").first().textContent()).toBe("26");
    await shots(page, "datasets-test-split");

    const refunds = parsed.filter((l) =>
      [...l.messages.filter((m) => m.role !== "system").map((m) => m.content), ...l.tags].join("\n").toLowerCase().includes("refund"),
    );
    expect(refunds.length).toBeGreaterThan(0);
    await page.fill("[data-testid=test-items] input[name=q]", "refund");
    await expect.poll(() => page.textContent("[data-testid=test-item-count]")).toBe(`${refunds.length} item(s)`);
    expect(page.url()).not.toContain("page=");
    await page.fill("[data-testid=test-items] input[name=q]", "no-such-words-anywhere");
    await page.getByText("No item matches").waitFor();
  });

  it("navigation keeps the project on experiment and compare pages, and every page has its own title", async () => {
    const nav = () =>
      page.locator("header.top nav a").evaluateAll((links) => links.map((a) => `${a.textContent} ${a.getAttribute("href")}`));
    const projectNav = [
      "Projects /",
      `Leaderboard /projects/${PROJECT}`,
      `Datasets /projects/${PROJECT}/datasets`,
      `Learning curve /projects/${PROJECT}/curve`,
      `Graders /projects/${PROJECT}/graders`,
    ];
    const best = seeded.tuned[1] ?? "";
    const titles = new Set<string>();
    const visit = async (path: string, title: string) => {
      await page.goto(`${server.url}${path}`);
      await expect.poll(() => page.title()).toBe(title);
      titles.add(title);
    };

    await visit("/", "Projects · tunelab");
    await visit(`/projects/${PROJECT}`, `${PROJECT} leaderboard · tunelab`);
    expect(await nav()).toEqual(projectNav);
    await visit(`/projects/${PROJECT}/datasets?dataset=train`, `train · ${PROJECT} datasets · tunelab`);
    await visit(`/projects/${PROJECT}/graders`, `${PROJECT} graders · tunelab`);
    await visit("/graders", "Graders · tunelab");
    await visit("/no/such/page", "No such page · tunelab");

    // an experiment's URL has no project: the page brings it
    await visit(`/experiments/${best}`, `v2-3ep (experiment) · ${PROJECT} · tunelab`);
    expect(await nav()).toEqual(projectNav);
    await shots(page, "experiment-nav");
    await visit(`/experiments/${seeded.baseline}`, `baseline (baseline) · ${PROJECT} · tunelab`);
    await page.click("header.top nav a:has-text('Datasets')");
    await page.waitForURL(`${server.url}/projects/${PROJECT}/datasets`);
    await page.locator("[data-testid=versions]").waitFor();

    // a comparison, also from a link without ?project=
    await visit(`/compare?a=${seeded.baseline}&b=${best}`, `baseline vs v2-3ep · ${PROJECT} · tunelab`);
    expect(await nav()).toEqual(projectNav);
    expect(await page.textContent(".compare .page-head")).toContain(`${PROJECT} leaderboard`);
    await shots(page, "compare-nav", (p) => p.locator("[data-testid=compare-graders]").waitFor());
    await page.click("header.top nav a:has-text('Leaderboard')");
    await page.waitForURL(`${server.url}/projects/${PROJECT}`);
    await expect.poll(() => page.title()).toBe(`${PROJECT} leaderboard · tunelab`);
    // the project list has no project in the navigation
    await page.click("header.top nav a:has-text('Projects')");
    await expect.poll(() => nav()).toEqual(["Projects /", "Graders /graders"]);
    expect(titles.size).toBe(9);
  });

  it("leaderboard at 1280 px: table in the first screen, pinned names, one column per grader, a chart that names and opens its points, stable ranks, a refused third tick", async () => {
    const board = await server.call("GET", `/api/projects/${PROJECT}/leaderboard`);
    const rankOf = (name: string) => board.rows.find((r: { name: string }) => r.name === name)?.rank;
    const idOf = (name: string) => board.rows.find((r: { name: string }) => r.name === name)?.experimentId as string;
    const table = page.locator("[data-testid=leaderboard-table]");
    const cell = (name: string, cls: string) => table.locator(`tr[data-id=${idOf(name)}] td.${cls}`);
    await page.setViewportSize(DESKTOP);
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await table.locator("tbody tr").nth(2).waitFor();
    await shots(page, "leaderboard", (p) => p.locator("[data-testid=score-chart] canvas").waitFor());

    // the first screen holds the chart and the first rows of the table
    const third = await table.locator("tbody tr").nth(2).boundingBox();
    expect((third?.y ?? 1e9) + (third?.height ?? 0)).toBeLessThanOrEqual(DESKTOP.height);
    // one column for the primary metric, one per other grader
    const headers = await table.locator("thead th").allTextContents();
    expect(headers.filter((h) => h.includes("fields"))).toEqual(["fields · 95% CI↕"]);
    // (plain headers: the API does not sort the board by another grader's score)
    expect(headers.filter((h) => /^(exact|similarity)$/.test(h))).toHaveLength(2);
    // the baseline trained nothing: no "0 ms"
    expect(await cell("baseline", "num:nth-last-child(2)").textContent()).toBe("—");

    // scrolled sideways, the name column stays put
    const wrap = page.locator(".board-wrap");
    const overflow = await wrap.evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(overflow).toBeGreaterThan(0);
    const before = await cell("v2-3ep", "name").boundingBox();
    await wrap.evaluate((el) => el.scrollTo({ left: el.scrollWidth }));
    await expect.poll(() => wrap.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
    const after = await cell("v2-3ep", "name").boundingBox();
    expect(after?.x).toBe(before?.x);
    expect(
      await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest("td")?.className, {
        x: (after?.x ?? 0) + 5,
        y: (after?.y ?? 0) + 5,
      }),
    ).toContain("name");
    await wrap.evaluate((el) => el.scrollTo({ left: 0 }));

    // the chart: hovering a point names its experiment, clicking it opens it
    const chart = page.locator("[data-testid=score-chart]");
    const positions = async () =>
      JSON.parse((await chart.locator(".uplot").getAttribute("data-positions")) ?? "[]") as Array<{
        id: string;
        name: string;
        left: number;
        top: number;
      }>;
    await expect.poll(async () => (await positions()).length).toBe(3);
    const over = await chart.locator(".u-over").boundingBox();
    const best = (await positions()).find((p) => p.name === "v2-3ep");
    await page.mouse.move((over?.x ?? 0) + (best?.left ?? 0), (over?.y ?? 0) + (best?.top ?? 0));
    const tip = chart.locator("[data-testid=chart-tip]");
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toMatch(/^v2-3ep.*fields 0\.\d{3} \(95% CI/);
    await page.mouse.click((over?.x ?? 0) + (best?.left ?? 0), (over?.y ?? 0) + (best?.top ?? 0));
    await page.waitForURL(`${server.url}/experiments/${idOf("v2-3ep")}`);
    await page.goBack();
    await table.locator("tbody tr").nth(2).waitFor();

    // a search that matches nothing draws no empty plot
    await page.fill("input[name=q]", "nothing-like-this");
    await page.locator("[data-testid=chart-empty]").waitFor();
    expect(await chart.count()).toBe(0);
    await page.fill("input[name=q]", "");
    await chart.locator("canvas").waitFor();

    // filters narrow the rows, they never renumber them
    await page.selectOption("select[name=dataset]", "train@1");
    // (item 5's test cancelled an experiment on train@1: it is listed too, unranked)
    await expect
      .poll(async () => (await table.locator("tbody td.name a").allTextContents()).filter((n) => n !== "cancelled-early"))
      .toEqual(["v1-3ep"]);
    expect(await cell("v1-3ep", "rank").textContent()).toBe(String(rankOf("v1-3ep")));
    expect(rankOf("v1-3ep")).toBeGreaterThan(1);
    await page.selectOption("select[name=dataset]", "");
    await page.fill("input[name=q]", "v1");
    await expect.poll(() => table.locator("tbody td.name a").allTextContents()).toEqual(["v1-3ep"]);
    expect(await cell("v1-3ep", "rank").textContent()).toBe(String(rankOf("v1-3ep")));
    await page.fill("input[name=q]", "");

    // a third tick is refused, and the page says why
    await cell("v2-3ep", "sel input").check();
    await cell("baseline", "sel input").check();
    await cell("v1-3ep", "sel input").focus();
    await page.keyboard.press("Space");
    await expect
      .poll(() => page.textContent("[data-testid=compare-refused]"))
      .toContain("Compare takes two experiments: untick v2-3ep or baseline first.");
    expect(await cell("v1-3ep", "sel input").isChecked()).toBe(false);
    expect(await cell("v2-3ep", "sel input").isChecked()).toBe(true);
    expect(await cell("baseline", "sel input").isChecked()).toBe(true);
    expect(new URL(page.url()).searchParams.get("sel")).toBe(`${idOf("v2-3ep")},${idOf("baseline")}`);
    expect(await focused(page)).toBe("input select v1-3ep for compare");
    await shots(page, "leaderboard-selection");
    await cell("baseline", "sel input").uncheck();
    await cell("v1-3ep", "sel input").check();
    expect(await page.locator("[data-testid=compare-refused]").count()).toBe(0);
    expect(new URL(page.url()).searchParams.get("sel")).toBe(`${idOf("v2-3ep")},${idOf("v1-3ep")}`);

    // two baselines at x = 0 with the same score: side by side, each named on hover
    const second = await server.call("POST", `/api/projects/${PROJECT}/experiments`, {
      model: "local-small",
      method: "none",
      name: "small-baseline",
    });
    await waitFinished(server, second.experiment.id);
    await page.goto(`${server.url}/projects/${PROJECT}`);
    await expect.poll(async () => (await positions()).length).toBe(4);
    const zero = (await positions()).filter((p) => p.name.endsWith("baseline"));
    expect(zero.map((p) => p.name).sort()).toEqual(["baseline", "small-baseline"]);
    const [left, right] = zero.sort((a, b) => a.left - b.left);
    expect((right?.left ?? 0) - (left?.left ?? 0)).toBeGreaterThanOrEqual(8);
    expect(right?.top).toBe(left?.top);
    const frame = await chart.locator(".u-over").boundingBox();
    for (const p of [left, right]) {
      // every point lies inside the plot, off its frame
      expect(p?.top ?? 0).toBeGreaterThan(4);
      expect(p?.top ?? 1e9).toBeLessThan((frame?.height ?? 0) - 4);
      await page.mouse.move((frame?.x ?? 0) + (p?.left ?? 0), (frame?.y ?? 0) + (p?.top ?? 0));
      await expect.poll(() => tip.textContent()).toMatch(new RegExp(`^${p?.name}fields`));
    }
    await shots(page, "leaderboard-chart-tooltip", async (p) => {
      const box = await chart.locator(".u-over").boundingBox();
      const at = (await positions()).find((x) => x.name === "small-baseline");
      await p.mouse.move((box?.x ?? 0) + (at?.left ?? 0), (box?.y ?? 0) + (at?.top ?? 0));
    });
  });

  it("per-item table: a column per grader, sortable across pages, and input cut at a word boundary with …", async () => {
    const tuned = seeded.tuned[1] ?? "";
    const experiment = await server.call("GET", `/api/experiments/${tuned}`);
    const all = await server.call("GET", `/api/eval-runs/${experiment.evalRunId}/samples?limit=500`);
    type Sample = { itemId: string; status: string; grades: Record<string, { score: number }> };
    const samples = all.data as Sample[];
    const inputs = readFileSync(join(EXAMPLES, "test.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map(
        (l) =>
          (JSON.parse(l) as { messages: Array<{ role: string; content: string }> }).messages.findLast((m) => m.role === "user")?.content ??
          "",
      );
    const table = page.locator("[data-testid=items-table]");
    const rows = table.locator("tbody tr[data-item]");
    await page.goto(`${server.url}/experiments/${tuned}`);
    await rows.first().waitFor();

    // every grader has a column, with the sample's score
    for (const g of ["fields", "exact", "similarity"]) {
      expect(await table.locator(`thead button.sort[data-column="g:${g}"]`).count()).toBe(1);
      const shown = await rows.locator(`td[data-grader=${g}]`).allTextContents();
      const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-item")));
      expect(shown).toEqual(ids.map((id) => (samples.find((x) => x.itemId === id)?.grades[g]?.score ?? Number.NaN).toFixed(2)));
    }

    // a long input is cut at a word boundary and says so
    const long = inputs.findIndex((text, i) => i < 50 && text.length > 140);
    expect(long).toBeGreaterThanOrEqual(0);
    const full = inputs[long] ?? "";
    const cut = (await table.locator(`tr[data-item="${long + 1}"] td.input`).textContent()) ?? "";
    expect(cut.endsWith("…")).toBe(true);
    const kept = cut.slice(0, -1);
    expect(kept.length).toBeLessThanOrEqual(140);
    expect(full.startsWith(kept)).toBe(true);
    expect(full[kept.length]).toMatch(/\s/);
    for (const [i, text] of inputs.slice(0, 50).entries()) {
      if (text.length <= 140) expect(await table.locator(`tr[data-item="${i + 1}"] td.input`).textContent()).toBe(text);
    }

    // sorting by a grader's score covers every item, not only the page shown
    const similarity = () => rows.locator("td[data-grader=similarity]").allTextContents();
    await page.click("button.sort[data-column='g:similarity']");
    await expect.poll(() => page.url()).toContain("isort=g%3Asimilarity");
    const ascending = samples.map((x) => x.grades.similarity?.score ?? 0).sort((a, b) => a - b);
    await expect.poll(similarity).toEqual(ascending.slice(0, 50).map((v) => v.toFixed(2)));
    await page.click("button.sort[data-column='g:similarity']");
    await expect.poll(similarity).toEqual(
      [...ascending]
        .reverse()
        .slice(0, 50)
        .map((v) => v.toFixed(2)),
    );
    expect(await page.getAttribute("th:has(button[data-column='g:similarity'])", "aria-sort")).toBe("descending");
    await page.click("button:has-text('Next ›')");
    await expect.poll(similarity).toEqual(
      [...ascending]
        .reverse()
        .slice(50, 100)
        .map((v) => v.toFixed(2)),
    );
    // by result: passed first
    await page.click("button.sort[data-column=status]");
    const passed = samples.filter((x) => x.status === "passed").length;
    await expect
      .poll(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-status"))))
      .toEqual([...Array(passed).fill("passed"), ...Array(50 - passed).fill("failed")]);
    await page.goto(`${server.url}/experiments/${tuned}?isort=g:similarity&iorder=desc`);
    await rows.first().waitFor();
    await shots(page, "experiment-items");
  });

  it("phone width: the per-item output is in view, and the leaderboard shows the score", async () => {
    const tuned = seeded.tuned[1] ?? "";
    await page.setViewportSize(PHONE);
    await page.goto(`${server.url}/experiments/${tuned}`);
    const first = page.locator("[data-testid=items-table] tbody tr[data-item]").first();
    await first.waitFor();
    const output = await first.locator("td.output").boundingBox();
    expect(output?.x ?? -1).toBeGreaterThanOrEqual(0);
    expect((output?.x ?? 0) + (output?.width ?? 1e9)).toBeLessThanOrEqual(PHONE.width);
    expect((await first.locator("td.output").textContent())?.length).toBeGreaterThan(5);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(1);
    // 20 items a page on a phone
    expect(await page.locator("[data-testid=items-table] tbody tr[data-item]").count()).toBe(20);
    await page.screenshot({ path: join(ARTIFACTS, "experiment-phone-390.png"), fullPage: true });

    await page.goto(`${server.url}/projects/${PROJECT}`);
    const score = page.locator(`[data-testid=leaderboard-table] tr[data-id=${tuned}] td.score-col .num`);
    await score.waitFor();
    const box = await score.boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? 1e9)).toBeLessThanOrEqual(PHONE.width);
    expect(await score.textContent()).toMatch(/^0\.\d{3}$/);
    await page.screenshot({ path: join(ARTIFACTS, "leaderboard-phone-390.png"), fullPage: true });
    await page.setViewportSize(DESKTOP);
  });
});
