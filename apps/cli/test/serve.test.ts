// `tunelab serve` as a user starts it: the environment checked with one clear line, the sign-in link printed when a
// token is set, and the Host allow-list taking --allowed-host.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, startCli } from "./run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "tunelab-serve-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const home = join(dir, ".tunelab");

function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("tunelab serve", () => {
  it("an empty TUNELAB_TOKEN is no token: beyond loopback that is one clear line, not a ZodError stack", () => {
    const result = runCli(["serve", "--host", "0.0.0.0", "--port", "0"], { home, env: { TUNELAB_TOKEN: "" } });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: binding 0\.0\.0\.0 exposes tunelab beyond this machine: set TUNELAB_TOKEN/);
    expect(result.stderr).not.toMatch(/ZodError|at .*\.ts:\d+/);
  });

  it("a port already in use is one line saying to pass another --port, not a stack trace", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      const result = runCli(["serve", "--port", String(port), "--no-worker"], { home });
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(`error: 127.0.0.1:${port} is already in use (another tunelab serve?); pass another --port`);
    } finally {
      taken.close();
    }
  });

  it("a malformed variable is one line naming it", () => {
    const result = runCli(["serve", "--port", "0"], { home, env: { TUNELAB_LEASE_SECONDS: "soon" } });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toMatch(/^error: environment variable TUNELAB_LEASE_SECONDS: /);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("with a token prints a one-time sign-in link whose cookie opens the API; serves only its own and --allowed-host names", async () => {
    const server = startCli(["serve", "--port", "0", "--allowed-host", "tunelab.lan"], { home, env: { TUNELAB_TOKEN: "cli-serve-token" } });
    try {
      const [, url] = await server.waitFor(/serving on (http:\/\/127\.0\.0\.1:\d+)/);
      const [link] = await server.waitFor(/http:\/\/127\.0\.0\.1:\d+\/login\?token=[\w-]+/);
      expect(link).not.toContain("cli-serve-token");
      expect((await fetch(`${url}/api/projects`)).status).toBe(401);
      const login = await fetch(link, { redirect: "manual" });
      expect(login.status).toBe(302);
      const cookie = login.headers.get("set-cookie")?.split(";")[0] ?? "";
      expect((await fetch(`${url}/api/projects`, { headers: { cookie } })).status).toBe(200);
      const port = new URL(url ?? "").port;
      expect(await getWithHost(`${url}/`, `localhost:${port}`)).toBe(200);
      expect(await getWithHost(`${url}/`, "tunelab.lan")).toBe(200);
      expect(await getWithHost(`${url}/`, `rebound.example:${port}`)).toBe(403);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });
});
