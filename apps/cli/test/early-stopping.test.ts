// Early stopping from the CLI on the embedded engine: `exp create --early-stopping-patience N` reaches the engine's job
// (a tunelab extension of OpenAI's hyperparameters), the job stops once validation stops improving (its validation file
// contradicts its training file), and the experiment records the patience it trained with, where it stopped and the
// step whose weights the tuned model keeps (printed as it happens and by `exp show`). Refused with DPO.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir });
const line = (q: string, a: string) =>
  JSON.stringify({
    messages: [
      { role: "user", content: q },
      { role: "assistant", content: a },
    ],
  });
const file = (name: string, lines: string[]) => {
  writeFileSync(join(dir, name), `${lines.join("\n")}\n`);
  return join(dir, name);
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-early-stop-"));
  home = join(dir, ".tunelab");
  const test = file(
    "test.jsonl",
    Array.from({ length: 4 }, (_, i) => line(`Which shelf holds crate ${i}?`, "red")),
  );
  const train = file(
    "train.jsonl",
    Array.from({ length: 16 }, (_, i) => line(`What colour is box ${i}?`, "red")),
  );
  const valid = file(
    "valid.jsonl",
    Array.from({ length: 16 }, (_, i) => line(`What colour is box ${i}?`, "a deep blue")),
  );
  writeFileSync(
    join(dir, "graders.json"),
    JSON.stringify({
      type: "string_check",
      name: "exact",
      input: "{{sample.output_text}}",
      reference: "{{item.reference}}",
      operation: "eq",
    }),
  );
  for (const args of [
    ["split", test, "--project", "boxes"],
    ["graders", "add", join(dir, "graders.json")],
    ["data", "import", train, "--dataset", "train"],
    ["data", "import", valid, "--dataset", "valid"],
  ]) {
    const r = cli(args);
    if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("exp create --early-stopping-patience", () => {
  it("stops training once validation stops improving, with the patience asked for", () => {
    const created = cli([
      "exp",
      "create",
      "-d",
      "train@1",
      "--validation",
      "valid@1",
      "-m",
      "local-tiny",
      "--epochs",
      "40",
      "--batch-size",
      "4",
      "--early-stopping-patience",
      "2",
      "--json",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const experiment = created.json() as {
      id: string;
      status: string;
      hyperparameters: { requested: Record<string, unknown>; resolved: Record<string, unknown> };
      earlyStop: { step: number; bestStep: number; bestValidLoss: number; message: string } | null;
    };
    expect(experiment.status).toBe("completed");
    expect(experiment.hyperparameters.requested).toMatchObject({ early_stopping_patience: 2 });
    expect(experiment.hyperparameters.resolved).toMatchObject({ n_epochs: 40, early_stopping_patience: 2 });
    // 40 epochs × 4 steps were asked for; the job stopped well before
    const logs = cli(["exp", "logs", experiment.id, "--json"]);
    expect(logs.code, logs.stderr).toBe(0);
    const steps = logs.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps.length).toBeGreaterThan(0);
    expect(Math.max(...steps)).toBeLessThan(160);
    // the experiment says where it stopped and which step's weights the tuned model keeps
    const stop = experiment.earlyStop;
    if (!stop) throw new Error(`no earlyStop in ${created.stdout}`);
    expect(stop.step).toBeLessThan(160);
    expect(Math.max(...steps)).toBeLessThanOrEqual(stop.step);
    expect(stop.bestStep).toBeGreaterThan(0);
    expect(stop.bestStep).toBeLessThan(stop.step);
    expect(stop.message).toContain(`Early stopping at step ${stop.step}`);
    expect(created.stderr).toContain(`stopped early at step ${stop.step}, the tuned model keeps step ${stop.bestStep}`);
    const shown = cli(["exp", "show", experiment.id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`stopped early at step ${stop.step}: the tuned model keeps step ${stop.bestStep}`);
  }, 240_000);

  it("an experiment that ran every step says nothing of stopping early", () => {
    const created = cli(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--epochs", "2", "--batch-size", "4", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const experiment = created.json() as { id: string; earlyStop: unknown };
    expect(experiment.earlyStop).toBeNull();
    expect(created.stderr).not.toContain("stopped early");
    expect(cli(["exp", "show", experiment.id]).stdout).not.toContain("stopped early");
  }, 240_000);

  it("is refused with DPO before anything is stored", () => {
    const refused = cli(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--method", "dpo", "--early-stopping-patience", "2"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/early_stopping_patience applies to method supervised only/);
  });
});
