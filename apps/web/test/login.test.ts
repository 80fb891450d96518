// A server started with TUNELAB_TOKEN, in real Chromium: the app sends the browser to its login page, a pasted
// token (or the one-time link `tunelab serve` prints) sets an HttpOnly SameSite=Strict cookie, and with it every
// fetch and the live event stream work.
import { rmSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { buildWeb } from "./build-web.ts";
import { type FixtureServer, startServer } from "./fixture-server.ts";

const TOKEN = "tl-login-test-token-8f2c";
let dist: string;
let server: FixtureServer;
let chromium: LaunchedBrowser;
let page: Page;

beforeAll(async () => {
  chromium = await launchChromium();
  dist = await buildWeb();
  server = await startServer({ webDir: dist, engine: false, token: TOKEN });
  await server.call("POST", "/api/projects", { name: "locked", description: "behind a token" });
  page = await chromium.context.newPage();
  page.on("pageerror", (error) => console.error("[browser] page error:", error.message));
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  if (dist) rmSync(dist, { recursive: true, force: true });
}, 60_000);

const apiStatus = (p: Page, path: string) => p.evaluate(async (url) => (await fetch(url)).status, path);

describe("signing in to a server with a token", () => {
  it("sends the browser to the login page, refuses a wrong token, and a right one opens the app with live updates", async () => {
    await page.goto(`${server.url}/projects/locked`);
    await page.waitForURL(/\/login\?next=%2Fprojects%2Flocked$/);
    expect(await apiStatus(page, "/api/projects")).toBe(401);

    await page.fill("input[name=token]", "not-the-token");
    await page.click("button[type=submit]");
    await expect.poll(() => page.locator("[data-testid=login-error]").textContent()).toContain("wrong token");

    await page.fill("input[name=token]", TOKEN);
    await page.click("button[type=submit]");
    await page.waitForURL(`${server.url}/projects/locked`);
    expect(await apiStatus(page, "/api/projects")).toBe(200);
    // the live stream (EventSource) carries the cookie too: the header says live
    await page.locator(".live.on").waitFor({ timeout: 20_000 });
    const cookies = await chromium.context.cookies(server.url);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
    expect(cookies[0]?.value).not.toContain(TOKEN);
    expect(await page.evaluate(() => document.cookie)).toBe("");
  });

  it("signs out, then signs in once with the printed link (a second use is refused)", async () => {
    await page.goto(server.url);
    await page.click("button:has-text('Sign out')");
    await page.waitForURL(/\/login/);
    expect(await apiStatus(page, "/api/projects")).toBe(401);

    const link = server.loginUrl ?? "";
    expect(link).toMatch(/\/login\?token=/);
    await page.goto(link);
    await page.waitForURL(`${server.url}/`);
    await page.locator("[data-project=locked]").waitFor();
    await page.locator(".live.on").waitFor({ timeout: 20_000 });

    await page.click("button:has-text('Sign out')");
    await page.waitForURL(/\/login/);
    await page.goto(link);
    await page.waitForURL(/\/login\?error=invalid_link/);
    await expect.poll(() => page.locator("[data-testid=login-error]").textContent()).toContain("used already");
    expect(await apiStatus(page, "/api/projects")).toBe(401);
  });
});
