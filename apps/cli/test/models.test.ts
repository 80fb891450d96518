/**
 * Open-weight models through the built CLI, as a user works with them: register a Hugging Face
 * folder (`models add`, `list`, `show`), score it as is (`baseline`), tune it (`exp create`),
 * export the tuned model (`models export --format peft|merged`), unregister it (`models remove`),
 * and download one from a Hub (`models add hf:ORG/NAME`, here a loopback Hub) with a progress
 * line on a non-TTY stderr. A broken folder is refused with one line naming the file and field.
 * Every step runs the real CLI in child processes (seconds each on a busy machine): long timeouts.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeHub, startFakeHub } from "../../../packages/engine/test/fake-hub.ts";
import { runCli, startCli } from "./run-cli.ts";

const FIXTURES = fileURLToPath(new URL("../../../packages/engine/fixtures/hf/", import.meta.url));
const TINY = join(FIXTURES, "qwen2");

let dir: string;
let home: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-models-"));
  home = join(dir, ".tunelab");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { home, cwd: dir, env });

/** Ticket routing with short prompts: the tiny fixtures have a 256-token context. */
const TRAIN: Array<[string, string]> = [
  ["My invoice is wrong", "billing"],
  ["The app crashes on start", "bug"],
  ["How do I reset my password?", "account"],
  ["I was charged twice", "billing"],
  ["Error 500 when saving", "bug"],
  ["Change my email address", "account"],
  ["Refund my last order", "billing"],
  ["The page is blank", "bug"],
  ["Delete my account", "account"],
  ["Update my card", "billing"],
  ["Buttons do nothing", "bug"],
  ["I forgot my username", "account"],
];
const TEST: Array<[string, string]> = [
  ["Why was I billed again?", "billing"],
  ["The screen freezes", "bug"],
  ["Lock my account please", "account"],
  ["Wrong amount on my receipt", "billing"],
];
const jsonl = (rows: Array<[string, string]>) =>
  `${rows
    .map(([user, label]) =>
      JSON.stringify({
        messages: [
          { role: "system", content: "Route the ticket." },
          { role: "user", content: user },
          { role: "assistant", content: label },
        ],
      }),
    )
    .join("\n")}\n`;

interface Described {
  name: string;
  source: string;
  dir: string;
  architecture: string;
  parameters: number;
  dtype: string;
  contextLength: number;
  fingerprint: string;
  memory: { weightsBytes: number; inferenceBytes: number };
  created?: boolean;
}

describe("tunelab models with a local Hugging Face folder", () => {
  it("add registers it (idempotent), list and show describe it", () => {
    const human = cli(["models", "add", TINY, "--name", "tiny"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain("registered tiny");
    expect(human.stdout).toMatch(/Qwen2ForCausalLM, 0\.\d+M parameters \(bf16\), context 256/);
    expect(human.stdout).toContain("next: tunelab baseline --model tiny");
    // stderr is not a terminal here: hashing progress as plain lines, ending with the whole size
    expect(human.stderr).toMatch(/^hashing tiny: (\d+\.\d)\/\1 MB$/m);

    const again = cli(["models", "add", TINY, "--name", "tiny", "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json()).toMatchObject({
      name: "tiny",
      created: false,
      architecture: "Qwen2ForCausalLM",
      dtype: "bf16",
      contextLength: 256,
      dir: TINY,
    });

    const list = (cli(["models", "list", "--json"]).json() as { bases: Described[] }).bases;
    expect(list.map((m) => m.name)).toEqual(["tiny"]);
    expect(list[0]?.parameters).toBeGreaterThan(50_000);
    expect(list[0]?.memory.inferenceBytes).toBeGreaterThan(list[0]?.memory.weightsBytes ?? Number.POSITIVE_INFINITY);
    const table = cli(["models", "list"]);
    expect(table.stdout).toMatch(/tiny\s.*Qwen2ForCausalLM/);

    const show = cli(["models", "show", "tiny", "--json"]).json() as Described & { files: Array<{ name: string; sha256: string }> };
    expect(show.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(show.files.map((f) => f.name)).toEqual(
      expect.arrayContaining(["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]),
    );
    // what its chat template does with OpenAI chat data (the fixture's ChatML writes tools as Hermes does)
    expect((show as unknown as { chat: unknown }).chat).toEqual({
      toolCalling: true,
      toolCallForm: "<tool_call>",
      reasoning: false,
      systemRole: true,
    });
    const showHuman = cli(["models", "show", "tiny"]);
    expect(showHuman.stdout).toContain("chat          tool calling (calls written as <tool_call>)");
    expect(showHuman.stdout).toContain(`fingerprint   ${show.fingerprint}`);
    expect(showHuman.stdout).toContain(`directory     ${TINY}`);
    const missing = cli(["models", "show", "nope"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no registered model named nope");
  }, 300_000);

  it("add refuses a broken folder in one line naming the file and field, and registers nothing", () => {
    const broken = join(dir, "broken");
    cpSync(TINY, broken, { recursive: true });
    const config = JSON.parse(readFileSync(join(broken, "config.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(broken, "config.json"), JSON.stringify({ ...config, quantization_config: { quant_method: "gptq", bits: 4 } }));
    const result = cli(["models", "add", broken, "--name", "broken"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: config\.json: quantization_config: quantized checkpoints are not supported/);
    const json = cli(["models", "add", broken, "--name", "broken", "--json"]);
    expect(json.json()).toMatchObject({
      error: { code: "validation_failed", details: { file: "config.json", field: "quantization_config" } },
    });
    const other = cli(["models", "add", join(FIXTURES, "llama"), "--name", "tiny"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('"tiny" is already registered');
    expect((cli(["models", "list", "--json"]).json() as { bases: Described[] }).bases.map((m) => m.name)).toEqual(["tiny"]);
  }, 300_000);

  let experimentId: string;
  let tunedModel: string;

  it("baseline --model tiny scores the open-weight model as is on the project's test split", () => {
    writeFileSync(join(dir, "test.jsonl"), jsonl(TEST));
    writeFileSync(join(dir, "train.jsonl"), jsonl(TRAIN));
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
    expect(cli(["split", join(dir, "test.jsonl"), "-p", "tickets"]).code).toBe(0);
    expect(cli(["data", "import", join(dir, "train.jsonl"), "-d", "train"]).code).toBe(0);
    const graders = cli(["graders", "add", join(dir, "exact.json"), "--primary", "exact"]);
    expect(graders.code, graders.stderr).toBe(0);

    const baseline = cli(["baseline", "--model", "tiny", "--json"]);
    expect(baseline.code, `${baseline.stdout}\n${baseline.stderr}`).toBe(0);
    const experiment = baseline.json() as { id: string; status: string; kind: string; baseModel: string; evalRunId: string | null };
    expect(experiment).toMatchObject({ status: "completed", kind: "baseline", baseModel: "tiny" });
    expect(experiment.evalRunId).toBeTruthy();
    const board = cli(["leaderboard", "--json"]).json() as { rows: Array<{ experimentId: string; score: number | null; kind: string }> };
    const row = board.rows.find((r) => r.experimentId === experiment.id);
    // Random weights do not route tickets: the point is that the model was run on every item and scored.
    expect(row?.score).toBeTypeOf("number");
    expect(row?.score).toBeGreaterThanOrEqual(0);
    expect(row?.score).toBeLessThanOrEqual(1);
  }, 300_000);

  it("exp create -m tiny fine-tunes it (LoRA) and scores the tuned model", () => {
    const created = cli(["exp", "create", "-d", "train@1", "-m", "tiny", "--epochs", "3", "--json"]);
    expect(created.code, `${created.stdout}\n${created.stderr}`).toBe(0);
    const experiment = created.json() as {
      id: string;
      status: string;
      tunedModel: string;
      hyperparameters: { resolved?: Record<string, unknown> };
    };
    expect(experiment.status).toBe("completed");
    expect(experiment.tunedModel).toMatch(/^ft:tiny:/);
    expect(experiment.hyperparameters.resolved).toMatchObject({ n_epochs: 3 });
    experimentId = experiment.id;
    tunedModel = experiment.tunedModel;
    const board = cli(["leaderboard", "--json"]).json() as { rows: Array<{ experimentId: string; score: number | null }> };
    expect(board.rows.find((r) => r.experimentId === experimentId)?.score).toBeTypeOf("number");
  }, 300_000);

  it("models export writes a PEFT adapter (by experiment id), a merged checkpoint (by model id) and a GGUF file", () => {
    const peft = join(dir, "export-peft");
    const byExperiment = cli(["models", "export", experimentId, "--format", "peft", "-o", peft, "--json"]);
    expect(byExperiment.code, byExperiment.stderr).toBe(0);
    expect(byExperiment.json()).toMatchObject({
      model: tunedModel,
      format: "peft",
      files: ["adapter_config.json", "adapter_model.safetensors"],
    });
    const adapter = JSON.parse(readFileSync(join(peft, "adapter_config.json"), "utf8")) as Record<string, unknown>;
    expect(adapter).toMatchObject({ peft_type: "LORA", task_type: "CAUSAL_LM", base_model_name_or_path: TINY });

    const merged = join(dir, "export-merged");
    const byModel = cli(["models", "export", tunedModel, "--format", "merged", "--dtype", "bf16", "-o", merged]);
    expect(byModel.code, byModel.stderr).toBe(0);
    expect(byModel.stdout).toContain(`exported as merged to ${merged}`);
    expect(readdirSync(merged).sort()).toEqual([
      "config.json",
      "generation_config.json",
      "model.safetensors",
      "special_tokens_map.json",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);
    expect(JSON.parse(readFileSync(join(merged, "config.json"), "utf8")).torch_dtype).toBe("bfloat16");
    // The merged folder is itself a model tunelab can register and serve.
    const again = cli(["models", "add", merged, "--name", "tiny-merged", "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json()).toMatchObject({ architecture: "Qwen2ForCausalLM", dtype: "bf16" });

    const gguf = join(dir, "export-gguf");
    const asGguf = cli(["models", "export", experimentId, "--format", "gguf", "-o", gguf, "--json"]);
    expect(asGguf.code, asGguf.stderr).toBe(0);
    expect(asGguf.json()).toMatchObject({ model: tunedModel, format: "gguf", files: ["model-q8_0.gguf"] });
    expect(readFileSync(join(gguf, "model-q8_0.gguf")).subarray(0, 4).toString("latin1")).toBe("GGUF");
    // progress on stderr (not a terminal here: a line per stage, and the tensors written), stdout kept for --json
    const stages = ["checking the base model's files", "loading the weights", "writing the files"];
    const at = stages.map((stage) => asGguf.stderr.indexOf(`${tunedModel}: ${stage}`));
    expect(at.every((i) => i >= 0) && at.every((i, k) => k === 0 || i > (at[k - 1] as number)), asGguf.stderr).toBe(true);
    expect(asGguf.stderr).toMatch(/: (\d+)\/\1 tensors written\n/);

    const exists = cli(["models", "export", experimentId, "--format", "peft", "-o", peft]);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toContain("already exists");
    const badFormat = cli(["models", "export", experimentId, "--format", "onnx", "-o", join(dir, "x")]);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain("argument 'onnx' is invalid. Allowed choices are peft, merged, gguf, gguf-lora");
    expect(badFormat.stderr).toContain("llama-server -m ./gguf/model-q8_0.gguf"); // the help shown with it says what to run next
    const badType = cli(["models", "export", experimentId, "--format", "peft", "--dtype", "q8_0", "-o", join(dir, "x")]);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain("--dtype does not apply to peft exports");
    expect(existsSync(join(dir, "x"))).toBe(false);
  }, 300_000);

  it("models export writes a registered base model as GGUF (the base a gguf-lora export goes on), and nothing else", () => {
    const base = join(dir, "export-base");
    const exported = cli(["models", "export", "tiny", "--format", "gguf", "--dtype", "f16", "-o", base, "--json"]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.json()).toMatchObject({ model: "tiny", base: true, format: "gguf", files: ["model-f16.gguf"] });
    expect(readFileSync(join(base, "model-f16.gguf")).subarray(0, 4).toString("latin1")).toBe("GGUF");
    expect(exported.stderr).toContain("tiny: loading the weights");
    const asPeft = cli(["models", "export", "tiny", "--format", "peft", "-o", join(dir, "y")]);
    expect(asPeft.code).toBe(2);
    expect(asPeft.stderr).toContain("a base model exports as gguf only");
    const unknown = cli(["models", "export", "no-such-model", "--format", "gguf", "-o", join(dir, "y")]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no-such-model is neither a tuned model id (ft:…), an experiment id, nor a registered base model");
    expect(existsSync(join(dir, "y"))).toBe(false);
  }, 300_000);

  it("models remove unregisters it and leaves its files in place", () => {
    const removed = cli(["models", "remove", "tiny"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain("removed tiny (files left in place)");
    expect(existsSync(join(TINY, "model.safetensors"))).toBe(true);
    expect((cli(["models", "list", "--json"]).json() as { bases: Described[] }).bases.map((m) => m.name)).toEqual(["tiny-merged"]);
    expect(cli(["models", "remove", "tiny"]).code).toBe(2);
    expect(cli(["models", "remove", "tiny-merged"]).code).toBe(0);
    expect(cli(["models", "list"]).stdout).toContain("no open-weight models registered");
  }, 300_000);

  it("a PEFT export after the base's name is reused by another model still names the base it was tuned on", () => {
    // "tiny" was removed above; the same name now registers another model (llama)
    const other = cli(["models", "add", join(FIXTURES, "llama"), "--name", "tiny"]);
    expect(other.code, other.stderr).toBe(0);
    const out = join(dir, "export-peft-after-reuse");
    const exported = cli(["models", "export", tunedModel, "--format", "peft", "-o", out]);
    expect(exported.code, exported.stderr).toBe(0);
    const adapter = JSON.parse(readFileSync(join(out, "adapter_config.json"), "utf8")) as Record<string, unknown>;
    expect(adapter).toMatchObject({ base_model_name_or_path: TINY, revision: null });
    expect(cli(["models", "remove", "tiny"]).code).toBe(0);
  }, 300_000);
});

describe("tunelab models add hf:ORG/NAME", () => {
  let hub: FakeHub;
  beforeAll(async () => {
    const files = Object.fromEntries(readdirSync(TINY).map((f) => [f, readFileSync(join(TINY, f))]));
    hub = await startFakeHub({ repos: [{ repo: "org/tiny", files: { ...files, "README.md": "# tiny\n" } }] });
  });
  afterAll(async () => hub?.close());

  it("downloads into HF_HOME with a progress line on a non-TTY stderr, registers it, and reuses the cache", async () => {
    const hfHome = join(dir, "hf-home");
    const hubHome = join(dir, "hub-home");
    const env = { HF_ENDPOINT: hub.url, HF_HOME: hfHome };
    // Asynchronously: the loopback Hub answers from this process.
    const run = async (args: string[]) => {
      const child = startCli(args, { home: hubHome, cwd: dir, env });
      const code = await child.exited;
      return { code, ...child.output() };
    };
    const first = await run(["models", "add", "hf:org/tiny"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/^downloading org\/tiny: \d+\/\d+ MB \(.+\)$/m);
    expect(first.stdout).toContain("registered tiny");
    const shown = await run(["models", "show", "tiny", "--json"]);
    const described = JSON.parse(shown.stdout) as Described;
    expect(described.source).toBe("hf:org/tiny");
    expect(described.dir.startsWith(join(hfHome, "hub", "models--org--tiny", "snapshots"))).toBe(true);
    expect(readFileSync(join(described.dir, "model.safetensors")).equals(readFileSync(join(TINY, "model.safetensors")))).toBe(true);

    const requests = hub.requests.length;
    const second = await run(["models", "add", "hf:org/tiny", "--json"]);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ name: "tiny", created: false });
    expect(hub.requests.slice(requests).filter((r) => r.url.includes("/resolve/")).length).toBe(0);
  }, 300_000);

  it("names a repository the Hub does not have", async () => {
    const child = startCli(["models", "add", "hf:org/missing"], {
      home: join(dir, "hub-home-2"),
      cwd: dir,
      env: { HF_ENDPOINT: hub.url, HF_HOME: join(dir, "hf-home-2") },
    });
    const code = await child.exited;
    expect(code).not.toBe(0);
    expect(child.output().stderr).toMatch(/org\/missing/);
  }, 300_000);
});
