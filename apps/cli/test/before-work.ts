// A workspace for the tests of what a command refuses before any work (output paths, providers, models, baselines):
// project `tickets` with six test items of the ticket-routing example, train@1 and its graders; and `refused`, which
// runs a real CLI process and checks it exited 2 with the message on stderr, nothing on stdout and nothing stored.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeWorkspace, openWorkspace } from "@tunelab/core";
import { expect } from "vitest";
import { runCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));

export interface BeforeWork {
  dir: string;
  home: string;
  cli(args: string[]): ReturnType<typeof runCli>;
  /** Runs the command and expects a refusal before any work; returns its stderr. */
  refused(args: string[]): Promise<string>;
  dispose(): void;
}

/** Rows of the tables work would write to. */
async function stored(home: string) {
  const ws = await openWorkspace(home);
  try {
    const count = async (table: "eval_runs" | "experiments") =>
      Number(
        (
          await ws.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return { evalRuns: await count("eval_runs"), experiments: await count("experiments") };
  } finally {
    await closeWorkspace(ws);
  }
}

export function beforeWorkspace(prefix: string): BeforeWork {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const home = join(dir, ".tunelab");
  const cli = (args: string[]) => runCli(args, { home, cwd: dir });
  const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 6);
  writeFileSync(join(dir, "test.jsonl"), `${items.join("\n")}\n`);
  for (const args of [
    ["split", join(dir, "test.jsonl"), "--project", "tickets"],
    ["data", "import", `${EXAMPLES}train-v1.jsonl`, "-d", "train"],
    ["graders", "add", `${EXAMPLES}graders.json`],
  ]) {
    const r = cli(args);
    if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  }
  return {
    dir,
    home,
    cli,
    refused: async (args) => {
      const before = await stored(home);
      const result = cli(args);
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(await stored(home)).toEqual(before);
      return result.stderr;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
