// Usage errors (unknown option, bad option value, missing subcommand) exit 2. With --json they are reported on stdout
// as {"error":{"code":"usage","message":…}} like every other error, with nothing on stderr (no help dump); without
// --json commander's message and the help go to stderr as before. Real CLI processes.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

let dir: string;
let home: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-usage-"));
  home = join(dir, ".tunelab");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const usageJson = (args: string[]) => {
  const result = runCli(args, { home, cwd: dir });
  expect(result.code, result.stdout + result.stderr).toBe(2);
  expect(result.stderr).toBe("");
  const body = result.json() as { error: { code: string; message: string } };
  expect(body.error.code).toBe("usage");
  return body.error.message;
};

describe("usage errors with --json", () => {
  it("an unknown option, a bad number, a bad choice: one JSON error on stdout, nothing on stderr, exit 2", () => {
    expect(usageJson(["exp", "create", "-d", "train@1", "-m", "local-tiny", "-p", "p2", "--json", "--projct", "x"])).toBe(
      "unknown option '--projct' (Did you mean --project?)",
    );
    expect(usageJson(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--epochs", "one", "--json"])).toBe(
      "option '--epochs <n|auto>' argument 'one' is invalid. expected a number or auto, got \"one\"",
    );
    expect(usageJson(["--json", "leaderboard", "--sort", "nope"])).toMatch(
      /^option '--sort <column>' argument 'nope' is invalid\. Allowed choices are rank, /,
    );
    expect(usageJson(["leaderboard", "--status", "bogus", "--json"])).toMatch(/^option '--status <status>' argument 'bogus' is invalid/);
    expect(usageJson(["data", "validate", "--json"])).toBe("missing required argument 'file'");
    expect(existsSync(home)).toBe(false);
  }, 120_000);

  it("a command group without its subcommand names the subcommands", () => {
    expect(usageJson(["exp", "--json"])).toBe(
      "tunelab exp needs a subcommand: create, run, list, show, cancel, delete, logs (see `tunelab exp --help`)",
    );
    expect(usageJson(["--json"])).toMatch(/^tunelab needs a command: init, project, data, /);
  }, 60_000);
});

describe("usage errors without --json", () => {
  it("keep commander's message and the help on stderr, exit 2", () => {
    const result = runCli(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--projct", "x"], { home, cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("error: unknown option '--projct'");
    expect(result.stderr).toContain("Usage: tunelab exp create [options]");
  }, 60_000);

  it("a command group without its subcommand shows its help and exits 2 (every group)", () => {
    for (const group of ["exp", "data", "project", "graders", "models", "users"]) {
      const result = runCli([group], { home, cwd: dir });
      expect(result.code, group).toBe(2);
      expect(result.stderr, group).toContain(`Usage: tunelab ${group} [options] [command]`);
    }
    expect(runCli(["exp", "--help"], { home, cwd: dir }).code).toBe(0);
    expect(runCli(["help", "exp"], { home, cwd: dir }).code).toBe(0);
    expect(existsSync(home)).toBe(false);
  }, 120_000);
});

describe("output into a pipe closed early (tunelab … | head)", () => {
  it("ends quietly with the command's exit code, no EPIPE stack trace", async () => {
    for (const args of [["--help"], ["graders", "--help"]]) {
      const child = spawn(process.execPath, [fileURLToPath(new URL("../bin/tunelab.mjs", import.meta.url)), ...args], {
        env: { ...process.env, TUNELAB_HOME: home, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.destroy(); // the reader is gone before the first byte
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(stderr).not.toMatch(/EPIPE|at .*\(/);
      expect(code).toBe(0);
    }
  });
});
