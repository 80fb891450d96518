// `tunelab models delete MODEL_ID` deletes a tuned model from the embedded engine (its DELETE /v1/models/ID), in real
// CLI processes over a real workspace: a local-tiny model tuned for one epoch on the small tickets project. With no
// terminal on stdin (as here, and in CI) it needs --yes; base models and unknown ids get the engine's error; the
// experiment that trained the model keeps its record and scores, and the model can no longer be evaluated.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeWorkspace, openWorkspace } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, runSteps } from "./run-cli.ts";
import { EXAMPLES, type SmallTickets, smallTickets } from "./small-tickets.ts";

let tickets: SmallTickets;
let dir: string;
let home: string;
let experiment: { id: string; name: string; tunedModel: string };
let other: { id: string; tunedModel: string };
const cli = (args: string[]) => runCli(args, { home, cwd: dir });
const BIN = fileURLToPath(new URL("../bin/tunelab.mjs", import.meta.url));
const quoted = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
/** The CLI on a terminal (util-linux `script` gives it a pseudo-terminal), typing `input`; stdout and stderr as one. */
function onTerminal(args: string[], input: string): { code: number; output: string } {
  const command = [process.execPath, BIN, ...args].map(quoted).join(" ");
  const result = spawnSync("script", ["-qec", command, "/dev/null"], {
    cwd: dir,
    input,
    encoding: "utf8",
    env: { ...process.env, TUNELAB_HOME: home, NO_COLOR: "1", FORCE_COLOR: "" },
    timeout: 120_000,
  });
  return { code: result.status ?? -1, output: result.stdout.replaceAll("\r", "") };
}
const created = (epochs: number) => {
  const result = cli(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--epochs", String(epochs), "--json"]);
  expect(result.code, result.stderr).toBe(0);
  return result.json() as { id: string; name: string; tunedModel: string };
};

beforeAll(() => {
  tickets = smallTickets("tunelab-models-delete-");
  ({ dir, home } = tickets);
  experiment = created(1);
  other = created(2);
  expect(experiment.tunedModel).toMatch(/^ft:local-tiny:/);
  expect(other.tunedModel).toMatch(/^ft:local-tiny:/);
}, 600_000); // trains and scores two experiments on a shared 2-core machine
afterAll(() => tickets?.remove());

describe("tunelab models delete", () => {
  it("refuses without --yes when stdin is not a terminal, before opening anything", () => {
    const result = cli(["models", "delete", experiment.tunedModel]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error: not deleting ${experiment.tunedModel}: stdin is not a terminal, so there is no one to ask; pass --yes to delete it`,
    );
    // nothing was opened: even a workspace that does not exist is not created
    const none = runCli(["models", "delete", experiment.tunedModel], { home: join(dir, "elsewhere", ".tunelab"), cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("pass --yes");
    expect(existsSync(join(dir, "elsewhere"))).toBe(false);
  });

  it("on a terminal, refuses an unknown id before asking; asked, keeps the model unless the answer is y", () => {
    const unknown = onTerminal(["models", "delete", "ft:local-tiny:tickets::nosuchmodel"], "y\n");
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain("does not exist or you do not have access to it. (model_not_found)");
    expect(unknown.output).not.toContain("delete tuned model");

    const { id, tunedModel } = experiment;
    const kept = onTerminal(["models", "delete", tunedModel], "n\n");
    expect(kept.code, kept.output).toBe(0);
    expect(kept.output).toContain(`delete tuned model ${tunedModel} (trained by ${id}; they keep their record`);
    expect(kept.output).toContain(`kept ${tunedModel}: nothing was deleted`);

    const yes = onTerminal(["models", "delete", other.tunedModel], "y\n");
    expect(yes.code, yes.output).toBe(0);
    expect(yes.output).toContain(`✔ deleted ${other.tunedModel}`);
    expect(yes.output).toContain(`experiments that trained it: `);
    expect(cli(["models", "delete", other.tunedModel, "--yes"]).stderr).toContain("(model_not_found)");
  }, 120_000);

  it("refuses a base model with the engine's error", () => {
    const result = cli(["models", "delete", "local-tiny", "--yes", "--json"]);
    expect(result.code).toBe(2);
    expect(result.json()).toMatchObject({
      error: {
        code: "invalid_argument",
        message: "Model local-tiny is a base model and cannot be deleted.",
        details: { model: "local-tiny", status: 400, type: "invalid_request_error", param: "model" },
      },
    });
  });

  it("deletes the tuned model; the experiment that trained it keeps its record and scores, and the model is gone", () => {
    const { id, name, tunedModel } = experiment;
    const deleted = cli(["models", "delete", tunedModel, "--yes", "--json"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    const answer = deleted.json() as { checkpoints: string[] };
    expect(answer).toEqual({
      id: tunedModel,
      object: "model",
      deleted: true,
      experiments: [{ id, name, project: "tickets" }],
      checkpoints: answer.checkpoints,
    });
    // its training checkpoints are models of their own: the engine keeps serving them
    expect(answer.checkpoints.length).toBeGreaterThan(0);
    for (const checkpoint of answer.checkpoints) expect(checkpoint.startsWith(`${tunedModel}:ckpt-step-`)).toBe(true);

    const shown = cli(["exp", "show", id, "--json"]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json()).toMatchObject({ id, status: "completed", tunedModel });
    expect(cli(["leaderboard", "--json"]).stdout).toContain(id);

    // the engine no longer has it: an eval of it is refused before it starts
    const evaluated = cli(["eval", "--model", tunedModel]);
    expect(evaluated.code).toBe(2);
    expect(evaluated.stderr).toContain(tunedModel);
  }, 120_000);

  it("deleting it again is the engine's model_not_found, with a non-zero exit", () => {
    const { tunedModel } = experiment;
    const text = cli(["models", "delete", tunedModel, "--yes"]);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain(
      `error: The model \`${tunedModel}\` does not exist or you do not have access to it. (model_not_found); tuned models are in the \`tuned model\` column of \`tunelab exp list\``,
    );
    const json = cli(["models", "delete", tunedModel, "--yes", "--json"]);
    expect(json.code).toBe(2);
    expect(json.json()).toMatchObject({
      error: { code: "not_found", details: { model: tunedModel, status: 404, code: "model_not_found" } },
    });
    const unknown = cli(["models", "delete", "ft:local-tiny:tickets::nosuchmodel", "--yes", "--json"]);
    expect(unknown.code).toBe(2);
    expect(unknown.json()).toMatchObject({ error: { code: "not_found", details: { code: "model_not_found" } } });
  });
});

// In a team workspace (here: blobs in a shared directory) the worker that trained a model published it for the other
// machines; `models delete` goes through the same runtime as `serve`, so the model is unpublished and recorded withdrawn.
describe("tunelab models delete in a team workspace", () => {
  let team: string;
  const teamCli = (args: string[]) =>
    runCli(args, { home: join(team, ".tunelab"), cwd: team, env: { TUNELAB_BLOB_DIR: join(team, "shared") } });
  async function rows(model: string) {
    const ws = await openWorkspace(join(team, ".tunelab"));
    try {
      const published = await ws.db.selectFrom("published_models").select("model").where("model", "=", model).execute();
      const withdrawn = await ws.db.selectFrom("withdrawn_models").select("model").where("model", "=", model).execute();
      return { published: published.length, withdrawn: withdrawn.length };
    } finally {
      await closeWorkspace(ws);
    }
  }
  beforeAll(() => {
    team = mkdtempSync(join(tmpdir(), "tunelab-models-delete-team-"));
    runSteps(
      [
        ["split", join(dir, "test.jsonl"), "--project", "tickets"],
        ["data", "import", `${EXAMPLES}train-v1.jsonl`, "--dataset", "train"],
        ["graders", "add", `${EXAMPLES}graders.json`],
      ],
      { home: join(team, ".tunelab"), cwd: team, env: { TUNELAB_BLOB_DIR: join(team, "shared") } },
    );
  }, 120_000);
  afterAll(() => rmSync(team, { recursive: true, force: true }));

  it("unpublishes the model from the shared blob store", async () => {
    const created = teamCli(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--epochs", "1", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const { tunedModel } = created.json() as { tunedModel: string };
    expect(await rows(tunedModel)).toEqual({ published: 1, withdrawn: 0 });
    const deleted = teamCli(["models", "delete", tunedModel, "--yes", "--json"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.json()).toMatchObject({ id: tunedModel, deleted: true });
    expect(await rows(tunedModel)).toEqual({ published: 0, withdrawn: 1 });
  }, 300_000);
});
