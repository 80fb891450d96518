// What a command will train or score is resolved before it does any work: a mistyped provider, model or baseline is
// refused at once (exit 2, naming the option, listing what is known and the closest name), and no eval run or
// experiment is stored. Real CLI processes.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BeforeWork, beforeWorkspace } from "./before-work.ts";

let w: BeforeWork;
const cli = (args: string[]) => w.cli(args);
const refused = (args: string[]) => w.refused(args);

beforeAll(() => {
  w = beforeWorkspace("tunelab-run-target-");
}, 120_000);
afterAll(() => w.dispose());

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

    // new graders: the baseline was scored with graders@1, an eval now is scored with graders@2; refused before scoring
    writeFileSync(join(w.dir, "length.json"), JSON.stringify({ type: "length", name: "short", max: 2000 }));
    const added = cli(["graders", "add", join(w.dir, "length.json")]);
    expect(added.code, added.stderr).toBe(0);
    const stale = await refused(["eval", "--model", "local-tiny", "--baseline", id]);
    expect(stale).toMatch(
      /--baseline \S+: its eval run \S+ was scored on grader set graders@1 \(current: graders@2\), and this eval is scored on the current ones, so the two cannot be compared/,
    );
  }, 180_000);
});
