// `--grader-timeout <seconds>` and `--grader-attempts <n>` on the commands that start eval runs (`eval`, `baseline`,
// `exp create`), in real CLI processes: a bad value is refused before any work, naming the flag and what it takes, and
// nothing is written (not even the workspace's home); good values are recorded with the run (`eval --json`) and shown.
// The deadline itself is applied by core (packages/core/src/eval-runs/grader-deadline.test.ts: a grader model that hangs).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeAzure } from "../../../packages/core/src/test-support/fake-azure-openai.ts";
import { buildProgram } from "../src/program.ts";
import { type HostedTickets, hostedTickets } from "./hosted-tickets.ts";
import { runCli } from "./run-cli.ts";

const MODEL = "gpt-4o-mini";
let dir: string;
let fake: FakeAzure;
let env: Record<string, string>;

let w: HostedTickets;

beforeAll(async () => {
  w = await hostedTickets({ prefix: "tunelab-grader-deadline-", items: 2, models: [MODEL] });
  ({ dir, env, fake } = w);
}, 300_000);
afterAll(async () => w?.close());

const cli = (args: string[]) => w.cli(args);

const chats = () => fake.requests.filter((r) => r.path.endsWith("/chat/completions"));

describe("--grader-timeout and --grader-attempts", () => {
  it("are refused before any work when out of range or not numbers, naming the flag and what it takes", () => {
    const fresh = join(dir, "fresh", ".tunelab");
    const cases: Array<[string[], string]> = [
      [
        ["--grader-timeout", "0"],
        "option '--grader-timeout <seconds>' argument '0' is invalid. grader timeout: expected a number of seconds above 0 (at least 0.001)",
      ],
      [
        ["--grader-timeout", "-1"],
        "option '--grader-timeout <seconds>' argument '-1' is invalid. grader timeout: expected a number of seconds above 0",
      ],
      [
        ["--grader-timeout", "3601"],
        "option '--grader-timeout <seconds>' argument '3601' is invalid. grader timeout: expected at most 3600 seconds (an hour)",
      ],
      [["--grader-timeout", "1m"], `option '--grader-timeout <seconds>' argument '1m' is invalid. expected a number, got "1m"`],
      [
        ["--grader-attempts", "0"],
        "option '--grader-attempts <n>' argument '0' is invalid. grader attempts: expected a whole number from 1 to 10",
      ],
      [
        ["--grader-attempts", "11"],
        "option '--grader-attempts <n>' argument '11' is invalid. grader attempts: expected a whole number from 1 to 10",
      ],
      [
        ["--grader-attempts", "2.5"],
        "option '--grader-attempts <n>' argument '2.5' is invalid. grader attempts: expected a whole number from 1 to 10",
      ],
    ];
    const commands = [
      ["eval", "--model", MODEL, "--provider", "openai"],
      ["baseline", "--model", MODEL, "--provider", "openai"],
      ["exp", "create", "--dataset", "train@1", "--model", "local-tiny"],
    ];
    for (const command of commands)
      for (const [flags, message] of cases) {
        const result = runCli([...command, ...flags], { home: fresh, cwd: dir, env });
        expect(result.code, result.stderr).toBe(2);
        expect(result.stdout).toBe("");
        expect(result.stderr).toContain(message);
      }
    expect(existsSync(fresh)).toBe(false);
    expect(chats()).toEqual([]);
  }, 300_000);

  it("eval: the run records the values used (--json), the table shows them, and without them 60 s and 3 attempts", async () => {
    const json = await cli([
      "eval",
      "--model",
      MODEL,
      "--provider",
      "openai",
      "--grader-timeout",
      "90.5",
      "--grader-attempts",
      "2",
      "--json",
    ]);
    expect(json.code, json.stderr).toBe(0);
    const gate = JSON.parse(json.stdout) as { run: { id: string; graderTimeoutSeconds: number; graderAttempts: number } };
    expect(gate.run).toMatchObject({ graderTimeoutSeconds: 90.5, graderAttempts: 2 });

    const table = await cli(["eval", "--model", MODEL, "--provider", "openai", "--grader-timeout", "120", "--grader-attempts", "1"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain("model graders: 120 s per request, 1 attempt per grade");

    const plain = await cli(["eval", "--model", MODEL, "--provider", "openai", "--json"]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout).run).toMatchObject({ graderTimeoutSeconds: 60, graderAttempts: 3 });
  }, 300_000);

  it("are in the help of every command that starts an eval run, with their defaults", async () => {
    const program = await buildProgram();
    const exp = program.commands.find((c) => c.name() === "exp");
    const commands = [
      program.commands.find((c) => c.name() === "eval"),
      program.commands.find((c) => c.name() === "baseline"),
      exp?.commands.find((c) => c.name() === "create"),
    ];
    for (const command of commands) {
      expect(command?.options.find((o) => o.long === "--grader-timeout")?.description).toContain("(default 60)");
      expect(command?.options.find((o) => o.long === "--grader-attempts")?.description).toContain("1 to 10 (default 3)");
    }
  });
});
