// `tunelab exp create --dry-run` on the embedded engine shows the hyperparameters the engine then trains with (its own
// `auto` rules, not OpenAI's rule by dataset size), where each comes from, the tokens trained and a cost of $0; the
// same experiment then run for real trains a job with the same values (real engine, local-tiny, 12 short examples).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

interface DryRun {
  dryRun: boolean;
  epochs: number;
  epochsFrom: string;
  tokensPerEpoch: number;
  billedTokens: number;
  costUsd: number | null;
  resolved: { hyperparameters: Record<string, unknown>; from: Record<string, string> } | null;
}
interface Experiment {
  id: string;
  status: string;
  tunedModel: string | null;
  hyperparameters: { resolved: Record<string, unknown> | null };
}

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
const ok = (args: string[]) => {
  const r = cli(args);
  if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  return r;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-local-dry-run-"));
  home = join(dir, ".tunelab");
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
  ok(["split", file("test.jsonl", [line("Which shelf holds crate 1?", "red"), line("Which shelf holds crate 2?", "red")]), "-p", "boxes"]);
  ok(["graders", "add", join(dir, "graders.json")]);
  ok([
    "data",
    "import",
    file(
      "train.jsonl",
      Array.from({ length: 12 }, (_, i) => line(`What colour is box ${i}?`, "red")),
    ),
    "-d",
    "train",
  ]);
  ok([
    "data",
    "import",
    file(
      "valid.jsonl",
      Array.from({ length: 4 }, (_, i) => line(`What colour is bag ${i}?`, "red")),
    ),
    "-d",
    "valid",
  ]);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("exp create --dry-run on the local engine", () => {
  it("shows the epochs, batch size and the rest the engine then trains with, at $0", () => {
    const args = ["exp", "create", "-d", "train@1", "--validation", "valid@1", "-m", "local-tiny"];
    const text = ok([...args, "--dry-run"]).stdout;
    expect(text).toContain("hyperparameters the local engine will train with:");
    expect(text).toMatch(/n_epochs 50\s+auto: the step rule: 1,500 optimizer steps at 2 an epoch, within 1–50 epochs/);
    expect(text).toMatch(/batch_size 8\s+auto: 8 below 2,000 examples/);
    expect(text).toMatch(/early_stopping_patience 3\s+auto: 3 validations without improvement/);
    expect(text).toMatch(/tokens trained: at most [\d,]+ per epoch × 50 epochs \(auto: the step rule/);
    expect(text).toContain("cost: $0 (the local engine trains on this machine)");
    expect(text).not.toContain("OpenAI's rule");

    const dry = ok([...args, "--dry-run", "--json"]).json() as DryRun;
    expect(dry.costUsd).toBe(0);
    expect(dry.billedTokens).toBe(dry.epochs * dry.tokensPerEpoch);
    expect((ok(["exp", "list", "--json"]).json() as unknown[]).length).toBe(0); // nothing was created

    const run = ok([...args, "--json"]).json() as Experiment;
    expect(run.status).toBe("completed");
    const trained = run.hyperparameters.resolved;
    expect(trained).toMatchObject({ n_epochs: dry.epochs, batch_size: dry.resolved?.hyperparameters.batch_size });
    expect(dry.resolved?.hyperparameters).toEqual(trained);

    // a tuned model continues by the rules of the base it was trained from, as the scheduler resolves it
    const continued = ok(["exp", "create", "-d", "train@1", "-m", run.tunedModel ?? "", "--dry-run", "--json"]).json() as DryRun;
    expect(continued.resolved?.hyperparameters).toEqual({ ...trained, early_stopping_patience: undefined });
    expect(continued.resolved?.from.early_stopping_patience).toBe("auto: off (no validation file)");
  }, 600_000);
});
