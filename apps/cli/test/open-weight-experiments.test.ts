/**
 * LoRA and DPO experiments on an open-weight base through the built CLI, as a user runs them: `exp create` with the
 * LoRA flags and `--method dpo`, bad values refused before any work, `exp show` with the base, the method, the LoRA
 * settings and the trainable-parameter count, a sweep over LoRA rank, and the leaderboard's method column and
 * base model / method filters. The base is the engine's tiny Qwen2 fixture checkpoint.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";
import { chatLines, SYSTEM, TEST, TINY, TRAIN } from "./tiny-tickets.ts";

/** The fixture's shapes: hidden 64, 2 layers, 4 heads and 2 KV heads of 16, intermediate 160. */
const Q_V_RANK_4 = 2 * 4 * (64 + 64 + (64 + 32));
const ALL_RANK = (r: number) => 2 * r * (128 + 96 + 96 + 128 + 224 + 224 + 224);

const preferenceLines = (rows: ReadonlyArray<readonly [string, string]>) =>
  rows.map(([user, label]) =>
    JSON.stringify({
      input: { messages: [SYSTEM, { role: "user", content: user }] },
      preferred_output: [{ role: "assistant", content: label }],
      non_preferred_output: [{ role: "assistant", content: "I cannot help." }],
    }),
  );

let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir });
const ok = (args: string[]) => {
  const result = cli(args);
  expect(result.code, `${args.join(" ")}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
};
const experiments = () => (ok(["exp", "list", "--json"]).json() as Array<{ id: string }>).length;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-open-weight-exp-"));
  home = join(dir, ".tunelab");
  const write = (name: string, lines: string[]) => writeFileSync(join(dir, name), `${lines.join("\n")}\n`);
  write("test.jsonl", chatLines(TEST));
  write("train.jsonl", chatLines(TRAIN));
  write("prefs.jsonl", preferenceLines(TRAIN));
  writeFileSync(
    join(dir, "exact.json"),
    JSON.stringify({
      type: "string_check",
      name: "exact",
      input: "{{sample.output_text}}",
      reference: "{{item.reference}}",
      operation: "eq",
    }),
  );
  ok(["models", "add", TINY, "--name", "tiny"]);
  ok(["split", join(dir, "test.jsonl"), "-p", "tickets"]);
  ok(["data", "import", join(dir, "train.jsonl"), "-d", "train"]);
  ok(["data", "import", join(dir, "prefs.jsonl"), "-d", "prefs"]);
  ok(["graders", "add", join(dir, "exact.json"), "--primary", "exact"]);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("open-weight experiments through the CLI", () => {
  it("refuses bad flags and a data format that does not suit the method, creating nothing", () => {
    const rank = cli(["exp", "create", "-d", "train@1", "-m", "tiny", "--lora-rank", "0"]);
    expect(rank.code).toBe(2);
    expect(rank.stderr).toMatch(/option '--lora-rank <n\|auto>' argument '0' is invalid\. lora_rank: /);
    const targets = cli(["exp", "create", "-d", "train@1", "-m", "tiny", "--lora-targets", "q_proj,qkv"]);
    expect(targets.code).toBe(2);
    expect(targets.stderr).toContain('unknown target module "qkv"; use all-linear or a comma list of q_proj, k_proj');
    const type = cli(["exp", "create", "-d", "train@1", "-m", "tiny", "--training-type", "half"]);
    expect(type.code).toBe(2);
    expect(type.stderr).toMatch(/option '--training-type <lora\|full>' argument 'half' is invalid\. training_type: /);
    const quantization = cli(["exp", "create", "-d", "train@1", "-m", "tiny", "--base-quantization", "q4"]);
    expect(quantization.code).toBe(2);
    expect(quantization.stderr).toMatch(/option '--base-quantization <none\|q8_0\|q4_0>' argument 'q4' is invalid\. base_quantization: /);
    const fullQ8 = cli(["exp", "create", "-d", "train@1", "-m", "tiny", "--training-type", "full", "--base-quantization", "q8_0"]);
    expect(fullQ8.code).toBe(2);
    expect(fullQ8.stderr).toContain("hyperparameters.base_quantization: LoRA settings do not apply with training_type full");
    const scratchQ8 = cli(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--base-quantization", "q8_0"]);
    expect(scratchQ8.code).toBe(2);
    expect(scratchQ8.stderr).toContain("base_quantization applies to open-weight base models (LoRA)");
    const method = cli(["exp", "create", "-d", "train@1", "-m", "tiny", "--method", "rlhf"]);
    expect(method.code).toBe(2);
    expect(method.stderr).toContain("Allowed choices are supervised, dpo.");
    const dpo = cli(["exp", "create", "-d", "train@1", "-m", "tiny", "--method", "dpo"]);
    expect(dpo.code).toBe(2);
    expect(dpo.stderr).toMatch(/^error: dataset train@1 is supervised data .*method dpo needs preference data/);
    const sft = cli(["exp", "create", "-d", "prefs@1", "-m", "tiny", "--json"]);
    expect(sft.code).toBe(2);
    expect(sft.json()).toMatchObject({ error: { code: "invalid_argument", details: { field: "dataset", format: "preference" } } });
    const beta = cli(["exp", "create", "-d", "train@1", "-m", "tiny", "--beta", "0.1"]);
    expect(beta.stderr).toContain("hyperparameters.beta: beta applies to method dpo only, not supervised");
    // what applies to one kind of base only is refused before storing, not by the engine once the job starts
    const plw = cli(["exp", "create", "-d", "train@1", "-m", "tiny", "--prompt-loss-weight", "0.1", "--json"]);
    expect(plw.code).toBe(2);
    expect(plw.json()).toMatchObject({
      error: {
        code: "invalid_argument",
        message:
          "hyperparameters.prompt_loss_weight: prompt_loss_weight applies to the local-* models trained from scratch; tiny is a pretrained open-weight model, trained on the assistant tokens only.",
        details: { field: "hyperparameters.prompt_loss_weight", model: "tiny", kind: "open-weight" },
      },
    });
    const sweptPlw = cli(["sweep", "-d", "train@1", "-m", "tiny", "--prompt-loss-weight", "0,0.1", "--data-fractions", "0.5,1"]);
    expect(sweptPlw.code).toBe(2);
    expect(sweptPlw.stderr).toContain("hyperparameters.prompt_loss_weight: prompt_loss_weight applies to the local-* models");
    expect(sweptPlw.stderr).not.toContain("stored train"); // no data fraction stored either
    const scratchLora = cli(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--lora-rank", "8"]);
    expect(scratchLora.code).toBe(2);
    expect(scratchLora.stderr).toContain(
      "hyperparameters.lora_rank: lora_rank applies to open-weight base models (LoRA); local-tiny is trained in full.",
    );
    // the dry run says how `auto` holds the base, and why (this fixture is far below half of any machine's memory)
    const dry = ok(["exp", "create", "-d", "train@1", "-m", "tiny", "--dry-run"]).stdout;
    expect(dry).toMatch(
      /base_quantization none +auto: none: the base takes [\d.]+ KiB as stored, within 50% of this machine's [\d.]+ GiB of memory/,
    );
    expect(dry).not.toContain("warning:");
    expect(experiments()).toBe(0);
  }, 300_000);

  let lora: string;

  it("exp create trains a LoRA adapter with the flags, and exp show reports base, method, LoRA and trainable parameters", () => {
    const created = ok([
      "exp",
      "create",
      "-d",
      "train@1",
      "-m",
      "tiny",
      "--epochs",
      "5",
      "--batch-size",
      "5",
      "--lr-multiplier",
      "20",
      "--lora-rank",
      "4",
      "--lora-alpha",
      "8",
      "--lora-targets",
      "v_proj,q_proj",
      "--json",
    ]).json() as { id: string; name: string; status: string; hyperparameters: { requested: object; resolved: object } };
    expect(created.status).toBe("completed");
    expect(created.name).toBe("train@1 tiny ep=5 lr=20 bs=5 r=4 alpha=8 targets=q,v");
    expect(created.hyperparameters.requested).toMatchObject({ lora_rank: 4, lora_alpha: 8, lora_target_modules: ["q_proj", "v_proj"] });
    expect(created.hyperparameters.resolved).toMatchObject({ lora_rank: 4, lora_alpha: 8, lora_dropout: 0 });
    lora = created.id;

    const show = ok(["exp", "show", lora]).stdout;
    expect(show).toContain("tunes (supervised) tiny on local");
    expect(show).toContain("method: supervised");
    expect(show).toMatch(/base: tiny · Qwen2ForCausalLM, [\d,]+ parameters \(bf16\), context 256 · /);
    expect(show).toContain("LoRA: rank 4, alpha 8, dropout 0, targets q_proj,v_proj");
    expect(show).toContain(`trainable parameters: ${Q_V_RANK_4.toLocaleString("en-US")} (`);
    expect(show).toContain(`export: tunelab models export ${lora} --format peft -o ./${lora}-peft`);
    expect(show).toContain(`export: tunelab models export ${lora} --format merged -o ./${lora}-merged`);
    const json = ok(["exp", "show", lora, "--json"]).json() as {
      setup: { lora: { trainableParameters: number }; export: { formats: string[] } };
    };
    expect(json.setup.lora.trainableParameters).toBe(Q_V_RANK_4);
    expect(json.setup.export.formats).toEqual(["peft", "merged", "gguf", "gguf-lora"]);
  }, 300_000);

  it("exp create --method dpo trains on the preference version with beta", () => {
    const created = ok([
      "exp",
      "create",
      "-d",
      "prefs@1",
      "-m",
      "tiny",
      "--method",
      "dpo",
      "--beta",
      "0.2",
      "--epochs",
      "2",
      "--batch-size",
      "5",
      "--lr-multiplier",
      "20",
      "--lora-rank",
      "4",
      "--json",
    ]).json() as { id: string; method: string; status: string; hyperparameters: { resolved: object } };
    expect(created).toMatchObject({ method: "dpo", status: "completed" });
    expect(created.hyperparameters.resolved).toMatchObject({ beta: 0.2, lora_rank: 4 });
    const show = ok(["exp", "show", created.id]).stdout;
    expect(show).toContain("method: dpo");
    expect(show).toContain(`trainable parameters: ${ALL_RANK(4).toLocaleString("en-US")} (`);
  }, 300_000);

  it("sweeps LoRA rank from a comma list; the leaderboard shows the method and filters by base model and method", () => {
    const sweep = ok([
      "sweep",
      "-d",
      "train@1",
      "-m",
      "tiny",
      "--epochs",
      "1",
      "--batch-size",
      "5",
      "--lora-rank",
      "2,8",
      "--json",
    ]).json() as Array<{
      name: string;
      status: string;
    }>;
    expect(sweep.map((r) => [r.name, r.status])).toEqual([
      ["train@1 tiny ep=1 bs=5 r=2", "completed"],
      ["train@1 tiny ep=1 bs=5 r=8", "completed"],
    ]);
    ok(["baseline", "--model", "local-tiny"]);

    const board = ok(["leaderboard"]).stdout;
    expect(board).toMatch(/│ method\s*│/);
    expect(board).toMatch(/│ tiny\s*│ dpo\s*│/);
    const all = ok(["leaderboard", "--json"]).json() as { rows: Array<{ method: string; baseModel: string }> };
    expect(all.rows.map((r) => r.method).sort()).toEqual(["dpo", "none", "supervised", "supervised", "supervised"]);
    const onTiny = ok(["leaderboard", "--model", "tiny", "--json"]).json() as { rows: Array<{ baseModel: string }> };
    expect(onTiny.rows.map((r) => r.baseModel)).toEqual(["tiny", "tiny", "tiny", "tiny"]);
    const dpo = ok(["leaderboard", "--model", "tiny", "--method", "dpo", "--json"]).json() as { rows: Array<{ name: string }> };
    expect(dpo.rows.map((r) => r.name)).toEqual(["prefs@1 tiny dpo ep=2 lr=20 bs=5 beta=0.2 r=4"]);
    const bad = cli(["leaderboard", "--method", "rlhf"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Allowed choices are supervised, dpo, none.");
    expect(ok(["exp", "list"]).stdout).toMatch(/│ tiny\s*│ dpo\s*│/);
  }, 300_000);
});
