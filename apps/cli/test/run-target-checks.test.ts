// What a command will train or score is resolved before it does any work: a mistyped provider, model or baseline is
// refused at once (exit 2, naming the option, listing what is known and the closest name), and no eval run or
// experiment is stored. Real CLI processes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeWorkspace, openWorkspace } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));

let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-run-target-"));
  home = join(dir, ".tunelab");
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
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows of the tables work would write to. */
const stored = async () => {
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
};

/** Refused before any work: exit 2, nothing on stdout, the message on stderr, nothing stored. */
const refused = async (args: string[]) => {
  const before = await stored();
  const result = cli(args);
  expect(result.code, result.stdout + result.stderr).toBe(2);
  expect(result.stdout).toBe("");
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(await stored()).toEqual(before);
  return result.stderr;
};

describe("providers, models and baselines are resolved before the work", () => {
  it("eval --baseline with an id that does not exist: refused before any item is scored", async () => {
    const stderr = await refused(["eval", "--model", "local-tiny", "--baseline", "exp_nope"]);
    expect(stderr).toContain("--baseline exp_nope: no experiment or eval run has this id");
    expect(stderr).toContain("give best (the leaderboard's top), an eval run id, or an experiment id");
  }, 60_000);

  it("eval --model or --provider mistyped: refused naming the closest, before an eval run is stored", async () => {
    const model = await refused(["eval", "--model", "local-tinyy"]);
    expect(model).toContain("--model local-tinyy: the local engine has no such model (did you mean local-tiny?)");
    expect(model).toContain("base models: local-tiny, local-small, local-base");
    expect(await refused(["eval", "--model", "local-tiny", "--provider", "opneai"])).toContain(
      "--provider opneai: no such provider (did you mean openai?); known: local, openai",
    );
    const json = cli(["eval", "--model", "ft:local-small:nope", "--json"]);
    expect(json.code).toBe(2);
    expect(json.json()).toMatchObject({
      error: { code: "invalid_argument", message: expect.stringContaining("--model ft:local-small:nope") },
    });
  }, 120_000);

  it("exp create and baseline with an unknown model or provider store nothing; a dry run fails too", async () => {
    expect(await refused(["exp", "create", "-d", "train@1", "-m", "nomodel2"])).toContain(
      "--model nomodel2: the local engine has no such model;",
    );
    expect(await refused(["exp", "create", "--dry-run", "-d", "train@1", "-m", "local-tinyy"])).toContain("(did you mean local-tiny?)");
    expect(await refused(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--provider", "opneai"])).toContain(
      "(did you mean openai?)",
    );
    expect(await refused(["baseline", "-m", "local-smal"])).toContain("(did you mean local-small?)");
  }, 120_000);

  it("known names pass: a baseline experiment, then an eval against it by id (a near miss of the id is suggested)", async () => {
    const baseline = cli(["baseline", "-m", "local-tiny", "--json"]);
    expect(baseline.code, baseline.stderr).toBe(0);
    const id = (baseline.json() as { id: string }).id;
    const near = await refused(["eval", "--model", "local-tiny", "--baseline", id.slice(0, -1)]);
    expect(near).toContain(`(did you mean ${id}?)`);
    expect(near).toContain(`${id} (baseline local-tiny)`);
    const evaluated = cli(["eval", "--model", "local-tiny", "--baseline", id, "--json"]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.json()).toMatchObject({ baseline: { label: expect.any(String) } });
  }, 180_000);
});
