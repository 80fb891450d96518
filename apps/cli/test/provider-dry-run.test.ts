// `tunelab exp create --provider together … --dry-run` with no provider running (the configured base URL points at a
// closed port): the hyperparameters as Together takes them, the job request, the billed tokens and cost; and what
// Together cannot train is refused before anything is stored.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const MODEL = "meta-llama/Llama-3.2-1B-Instruct";
let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir, env: { TOGETHER_API_KEY: "" } });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-dry-run-"));
  home = join(dir, ".tunelab");
  writeFileSync(
    join(dir, "tunelab.config.json"),
    JSON.stringify({ providers: { together: { kind: "together", baseURL: "http://127.0.0.1:9/v1", apiKeyEnv: "TOGETHER_API_KEY" } } }),
  );
  const imported = cli(["data", "import", `${EXAMPLES}train-v1.jsonl`, "-p", "tickets", "-d", "train"]);
  expect(imported.code, imported.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tunelab exp create --dry-run", () => {
  it("prints Together's names for the hyperparameters, the request and the cost estimate, without network or key", () => {
    const args = [
      "exp",
      "create",
      "--provider",
      "together",
      "--model",
      MODEL,
      "-d",
      "train@1",
      "--epochs",
      "2",
      "--lr-multiplier",
      "3",
      "--lora-rank",
      "8",
    ];
    const text = cli([...args, "--dry-run"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("dry run: nothing uploaded, no job created, no network call");
    expect(text.stdout).toMatch(/n_epochs 2\s+→ {2}n_epochs 2/);
    expect(text.stdout).toMatch(/learning_rate_multiplier 3\s+→ {2}learning_rate 0\.00003/);
    expect(text.stdout).toMatch(/lora_rank 8\s+→ {2}training_type\.lora_r 8/);
    expect(text.stdout).toContain('"training_type":{"type":"Lora","lora_r":8,"lora_alpha":32}');
    expect(text.stdout).toMatch(/billed tokens: [\d,]+ per epoch × 2 epochs \(n_epochs\) = [\d,]+/);
    expect(text.stdout).toMatch(
      /cost: ≈ \$\d+\.\d{4} at \$0\.48 per million training tokens \(tunelab's default together prices as of 2026-12-02/,
    );

    const json = cli([...args, "--dry-run", "--json"]).json() as {
      dryRun: boolean;
      billedTokens: number;
      tokensPerEpoch: number;
      costUsd: number;
    };
    expect(json.dryRun).toBe(true);
    expect(json.billedTokens).toBe(2 * json.tokensPerEpoch);
    expect(json.costUsd).toBeCloseTo((json.billedTokens * 0.48) / 1e6, 12);
    expect((cli(["exp", "list", "--json"]).json() as unknown[]).length).toBe(0); // nothing was created
  });

  it("refuses what Together cannot train before anything is stored", () => {
    for (const dryRun of [["--dry-run"], ["--no-run"]]) {
      const refused = cli([
        "exp",
        "create",
        "--provider",
        "together",
        "--model",
        MODEL,
        "-d",
        "train@1",
        "--prompt-loss-weight",
        "0.5",
        ...dryRun,
      ]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain("hyperparameters.prompt_loss_weight: Together either masks prompts or trains on them");
    }
    expect((cli(["exp", "list", "--json"]).json() as unknown[]).length).toBe(0);
  });

  it("exp show prints how each hyperparameter reaches Together", () => {
    const created = cli([
      "exp",
      "create",
      "--provider",
      "together",
      "--model",
      MODEL,
      "-d",
      "train@1",
      "--lora-alpha",
      "64",
      "--no-run",
      "--json",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const { id } = created.json() as { id: string };
    const shown = cli(["exp", "show", id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("hyperparameters as together (kind together) receives them:");
    expect(shown.stdout).toMatch(/lora_alpha 64\s+→ {2}training_type\.lora_alpha 64/);
    const json = cli(["exp", "show", id, "--json"]).json() as { providerMapping: { kind: string; mapped: unknown[] } };
    expect(json.providerMapping).toEqual({
      provider: "together",
      kind: "together",
      mapped: [{ ours: "lora_alpha", value: 64, theirs: "training_type.lora_alpha", sent: 64 }],
    });
  });
});
