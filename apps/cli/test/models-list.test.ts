/**
 * `tunelab models list` through the built CLI: the registered open-weight bases (their columns and JSON fields as
 * before), the local-* sizes and the local engine's tuned models (base, kind, the experiment that trained them), each
 * section with what to do when it is empty; --tuned / --bases, and checkpoints only with --checkpoints. The base is the
 * engine's tiny Qwen2 fixture; LoRA, full and local-tiny models train in seconds on 10 short tickets, a checkpoint every
 * 2 steps (TUNELAB_CHECKPOINT_STEPS).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";
import { chatLines, TEST, TINY, TRAIN } from "./tiny-tickets.ts";

interface Listed {
  bases?: Array<Record<string, unknown> & { name: string }>;
  localSizes?: Array<{ name: string; architecture: string; parameters: number; contextLength: number }>;
  tuned?: Array<{
    id: string;
    base: string;
    kind: string | null;
    experiment: { id: string; name: string; project: string } | null;
    jobId: string | null;
    createdAt: string;
    checkpoint?: { of: string; step: number };
  }>;
}

let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir, env: { TUNELAB_CHECKPOINT_STEPS: "2" } });
const ok = (args: string[]) => {
  const result = cli(args);
  expect(result.code, `${args.join(" ")}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
};
const list = (args: string[] = []) => ok(["models", "list", ...args, "--json"]).json() as Listed;
const create = (args: string[]) =>
  ok(["exp", "create", "-d", "train@1", ...args, "--json"]).json() as { id: string; name: string; tunedModel: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-models-list-"));
  home = join(dir, ".tunelab");
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tunelab models list", () => {
  it("on a new home: every section, the empty ones saying what to do", () => {
    const human = ok(["models", "list"]).stdout;
    expect(human).toContain("Registered open-weight bases");
    expect(human).toContain("no open-weight models registered: `tunelab models add hf:HuggingFaceTB/SmolLM2-135M-Instruct`");
    expect(human).toContain("Local sizes (trained from scratch)");
    expect(human).toMatch(/local-tiny\s.*\s256\s/);
    expect(human).toContain("Tuned models\n  no tuned models yet: `tunelab exp create -d DATASET@VERSION -m local-small` trains one");

    const json = list();
    expect(json.bases).toEqual([]);
    expect(json.localSizes?.map((s) => s.name)).toEqual(["local-tiny", "local-small", "local-base"]);
    expect(json.localSizes?.[0]).toMatchObject({ architecture: "tunelab decoder (random init)", contextLength: 256 });
    expect(json.tuned).toEqual([]);
    // filters: only the sections asked for, in text and in JSON
    expect(Object.keys(list(["--tuned"]))).toEqual(["tuned"]);
    expect(Object.keys(list(["--bases"]))).toEqual(["bases", "localSizes"]);
    const tunedOnly = ok(["models", "list", "--tuned"]).stdout;
    expect(tunedOnly).not.toContain("Local sizes");
    expect(tunedOnly).toContain("no tuned models yet");
  }, 120_000);

  it("lists a registered base as before and tuned models with their base, kind and experiment; checkpoints with --checkpoints", () => {
    const write = (name: string, lines: string[]) => writeFileSync(join(dir, name), `${lines.join("\n")}\n`);
    write("test.jsonl", chatLines(TEST));
    write("train.jsonl", chatLines(TRAIN));
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
    // the base alone: its section filled, the tuned one still empty and naming it
    const baseOnly = ok(["models", "list"]).stdout;
    expect(baseOnly).toMatch(/name\s.*architecture\s.*params\s.*dtype\s.*context\s.*memory\s.*source/);
    expect(baseOnly).toMatch(/tiny\s.*Qwen2ForCausalLM\s.*bf16\s.*256\s.*GiB/);
    expect(baseOnly).toContain("no tuned models yet: `tunelab exp create -d DATASET@VERSION -m tiny` trains one");

    ok(["split", join(dir, "test.jsonl"), "-p", "tickets"]);
    ok(["data", "import", join(dir, "train.jsonl"), "-d", "train"]);
    ok(["graders", "add", join(dir, "exact.json"), "--primary", "exact"]);
    const lora = create(["-m", "tiny", "--epochs", "1"]);
    const full = create(["-m", "tiny", "--epochs", "1", "--training-type", "full"]);
    const scratch = create(["-m", "local-tiny", "--epochs", "2"]);
    for (const e of [lora, full, scratch]) expect(e.tunedModel).toMatch(/^ft:/);

    const json = list();
    // the registered base keeps the fields `models list --json` always had
    expect(json.bases).toHaveLength(1);
    expect(json.bases?.[0]).toMatchObject({ name: "tiny", source: TINY, dir: TINY, architecture: "Qwen2ForCausalLM", dtype: "bf16" });
    expect(Object.keys(json.bases?.[0] ?? {}).sort()).toEqual(
      [
        "architecture",
        "contextLength",
        "createdAt",
        "dir",
        "dtype",
        "files",
        "fingerprint",
        "memory",
        "name",
        "parameters",
        "source",
      ].sort(),
    );
    expect(json.tuned?.map((m) => m.id)).toEqual([lora.tunedModel, full.tunedModel, scratch.tunedModel]);
    const experimentOf = (e: { id: string; name: string }) => ({ id: e.id, name: e.name, project: "tickets" });
    expect(json.tuned?.[0]).toMatchObject({
      base: "tiny",
      kind: "lora",
      experiment: experimentOf(lora),
      jobId: expect.stringMatching(/^ftjob-/),
    });
    expect(json.tuned?.[1]).toMatchObject({ base: "tiny", kind: "full", experiment: experimentOf(full) });
    expect(json.tuned?.[2]).toMatchObject({ base: "local-tiny", kind: "from-scratch", experiment: experimentOf(scratch) });
    for (const m of json.tuned ?? []) {
      expect(new Date(m.createdAt).toISOString()).toBe(m.createdAt);
      expect(m.checkpoint).toBeUndefined();
    }

    const human = ok(["models", "list"]).stdout;
    expect(human).toMatch(/id\s.*base\s.*kind\s.*experiment\s.*created/);
    const row = (id: string) => human.split("\n").find((line) => line.includes(id)) ?? "";
    expect(row(lora.tunedModel)).toMatch(/\stiny\s.*LoRA adapter\s.*/);
    expect(row(lora.tunedModel)).toContain(`${lora.name} ${lora.id}`);
    expect(row(full.tunedModel)).toContain("full fine-tune");
    expect(row(scratch.tunedModel)).toMatch(/\slocal-tiny\s.*from scratch\s/);
    expect(human).not.toContain(":ckpt-step-");
    expect(human).toMatch(/and \d+ checkpoints \(--checkpoints lists them\)/);

    // --checkpoints: each right after its model, with its step, base and experiment
    const withCheckpoints = list(["--tuned", "--checkpoints"]);
    expect(Object.keys(withCheckpoints)).toEqual(["tuned"]);
    const checkpoints = (withCheckpoints.tuned ?? []).filter((m) => m.checkpoint);
    expect(checkpoints.length).toBeGreaterThan(0);
    for (const c of checkpoints) {
      expect(c.id).toBe(`${c.checkpoint?.of}:ckpt-step-${c.checkpoint?.step}`);
      const model = json.tuned?.find((m) => m.id === c.checkpoint?.of);
      expect(c).toMatchObject({ base: model?.base, kind: model?.kind, experiment: model?.experiment, jobId: model?.jobId });
    }
    const ids = (withCheckpoints.tuned ?? []).map((m) => m.id);
    for (const c of checkpoints) expect(ids.indexOf(c.id)).toBeGreaterThan(ids.indexOf(c.checkpoint?.of ?? ""));
    expect(ids.filter((id) => !id.includes(":ckpt-step-"))).toEqual(json.tuned?.map((m) => m.id));
    const humanCheckpoints = ok(["models", "list", "--checkpoints"]).stdout;
    expect(humanCheckpoints).toContain("Tuned models and checkpoints");
    expect(humanCheckpoints).toContain(checkpoints[0]?.id);
    expect(humanCheckpoints).not.toContain("--checkpoints lists them");

    // a deleted tuned model is no longer listed
    ok(["models", "delete", full.tunedModel, "--yes"]);
    expect(list(["--tuned"]).tuned?.map((m) => m.id)).toEqual([lora.tunedModel, scratch.tunedModel]);
  }, 600_000);
});
