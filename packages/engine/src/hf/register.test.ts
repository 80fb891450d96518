/**
 * registerBaseModel on a real engine store (SQLite in a temp directory): a broken folder is refused
 * naming the file and the field, and nothing is registered; registering is idempotent; names are
 * unique; a registered folder whose files changed afterwards is refused when it is used (chat,
 * fine-tuning), not silently served.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TunelabError } from "@tunelab/base";
import { toFile } from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clientFor } from "../../test/engine-client.ts";
import { createEngine, type Engine } from "../engine.ts";
import { listRegisteredBases } from "../models/base-model.repository.ts";
import { checkUnchanged } from "./check-unchanged.ts";
import { registerBaseModel } from "./register.ts";
import { BREAKAGES, brokenCopy, copyFixture, FIXTURES_DIR, removeCopy } from "./test-support/broken-checkpoints.ts";

let root: string;
let engine: Engine;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "tunelab-register-"));
  engine = await createEngine({ root, runJobs: false });
});
afterAll(async () => {
  await engine.close();
  rmSync(root, { recursive: true, force: true });
});

const copies: string[] = [];
afterEach(async () => {
  for (const dir of copies.splice(0)) removeCopy(dir);
  await engine.store.db.deleteFrom("base_models").execute();
});

async function refusal(promise: Promise<unknown>): Promise<TunelabError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TunelabError) return error;
    throw new Error(`not a TunelabError: ${String(error)}`, { cause: error });
  }
  throw new Error("was accepted");
}

describe("registerBaseModel refuses a broken folder and registers nothing", () => {
  it.each(BREAKAGES.map((b) => [b.title, b] as const))("%s", async (_title, breakage) => {
    const dir = brokenCopy(breakage);
    copies.push(dir);
    const error = await refusal(registerBaseModel(engine.store, { dir, name: "broken" }));
    expect(error.code).toBe("validation_failed");
    expect(error.message).toContain(breakage.file);
    expect(error.message).toContain(breakage.field);
    expect(await listRegisteredBases(engine.store)).toEqual([]);
  });

  it("a tokenizer.json the tokenizers library cannot load names the file", async () => {
    const dir = copyFixture("qwen2");
    copies.push(dir);
    writeFileSync(join(dir, "tokenizer.json"), JSON.stringify({ version: "1.0", model: { type: "NoSuchModel" } }));
    const error = await refusal(registerBaseModel(engine.store, { dir, name: "bad-tokenizer" }));
    expect(error.message).toContain("tokenizer.json");
    expect(await listRegisteredBases(engine.store)).toEqual([]);
  });

  it("an invalid or built-in name is refused before anything is stored", async () => {
    const invalid = await refusal(registerBaseModel(engine.store, { dir: `${FIXTURES_DIR}qwen2`, name: "has space" }));
    expect(invalid.code).toBe("invalid_argument");
    expect(invalid.message).toContain("--name");
    const builtIn = await refusal(registerBaseModel(engine.store, { dir: `${FIXTURES_DIR}qwen2`, name: "local-tiny" }));
    expect(builtIn.code).toBe("conflict");
    expect(await listRegisteredBases(engine.store)).toEqual([]);
  });
});

describe("registerBaseModel on a good folder", () => {
  it("is idempotent: the same folder under the same name twice is one registration", async () => {
    const dir = `${FIXTURES_DIR}qwen2`;
    const first = await registerBaseModel(engine.store, { dir, name: "tiny" });
    const second = await registerBaseModel(engine.store, { dir: `${dir}/`, name: "tiny" });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.model).toEqual(first.model);
    const rows = await listRegisteredBases(engine.store);
    expect(rows.map((r) => r.id)).toEqual(["tiny"]);
    expect(rows[0]).toMatchObject({ architecture: "Qwen2ForCausalLM", dtype: "BF16", context_length: 256, dir });
    expect(rows[0]?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it("defaults the name to the folder's name", async () => {
    const { model } = await registerBaseModel(engine.store, { dir: `${FIXTURES_DIR}smollm` });
    expect(model.id).toBe("smollm");
  });

  it("the same name for another folder is a conflict, and the first registration stays", async () => {
    await registerBaseModel(engine.store, { dir: `${FIXTURES_DIR}qwen2`, name: "tiny" });
    let hashed = 0;
    const error = await refusal(
      registerBaseModel(engine.store, { dir: `${FIXTURES_DIR}llama`, name: "tiny", onHashProgress: () => hashed++ }),
    );
    expect(error.code).toBe("conflict");
    // refused before its weights are hashed (minutes for a 7B folder)
    expect(hashed).toBe(0);
    expect(error.message).toContain('"tiny" is already registered');
    // A byte-identical copy elsewhere is another folder too: the registration points at a path.
    const copy = copyFixture("qwen2");
    copies.push(copy);
    expect((await refusal(registerBaseModel(engine.store, { dir: copy, name: "tiny" }))).code).toBe("conflict");
    const rows = await listRegisteredBases(engine.store);
    expect(rows.map((r) => [r.id, r.architecture])).toEqual([["tiny", "Qwen2ForCausalLM"]]);
  });

  it("reports hashing progress up to the total size of the files", async () => {
    const seen: Array<[number, number]> = [];
    await registerBaseModel(engine.store, {
      dir: `${FIXTURES_DIR}qwen2-sharded`,
      name: "sharded",
      onHashProgress: (d, t) => seen.push([d, t]),
    });
    const last = seen.at(-1);
    expect(last?.[0]).toBe(last?.[1]);
    expect(seen.every(([d], i) => i === 0 || d >= (seen[i - 1]?.[0] ?? 0))).toBe(true);
  });
});

describe("a registered folder whose files change afterwards", () => {
  it("is refused by checkUnchanged, naming the file", async () => {
    const dir = copyFixture("qwen2");
    copies.push(dir);
    const { model } = await registerBaseModel(engine.store, { dir, name: "moving" });
    await expect(checkUnchanged(engine.store, model)).resolves.toBeUndefined();
    const weights = join(dir, "model.safetensors");
    const size = statSync(weights).size;
    appendFileSync(weights, Buffer.alloc(16));
    await expect(checkUnchanged(engine.store, model)).rejects.toThrow(/moving: model\.safetensors changed since it was registered/);
    truncateSync(weights, size);
    await expect(checkUnchanged(engine.store, model)).resolves.toBeUndefined();
    unlinkSync(join(dir, "tokenizer.json"));
    await expect(checkUnchanged(engine.store, model)).rejects.toThrow(/tokenizer\.json is missing/);
  });

  it("a file whose bytes changed but not its size is refused, naming it (weights, then config.json)", async () => {
    const dir = copyFixture("qwen2");
    copies.push(dir);
    const { model } = await registerBaseModel(engine.store, { dir, name: "same-size" });
    const weights = join(dir, "model.safetensors");
    const original = readFileSync(weights);
    const flipped = Buffer.from(original);
    for (let i = flipped.length - 64; i < flipped.length; i++) flipped[i] = (flipped[i] as number) ^ 0xff;
    writeFileSync(weights, flipped);
    await expect(checkUnchanged(engine.store, model)).rejects.toThrow(
      /same-size: model\.safetensors changed since it was registered \(its sha256 differs\)/,
    );
    // the weights back as they were (a new modification time): accepted, and the time recorded
    writeFileSync(weights, original);
    await expect(checkUnchanged(engine.store, model)).resolves.toBeUndefined();
    const recorded = JSON.parse((await listRegisteredBases(engine.store))[0]?.files_json ?? "[]") as Array<{
      name: string;
      mtimeMs: number;
    }>;
    expect(recorded.find((f) => f.name === "model.safetensors")?.mtimeMs).toBe(statSync(weights).mtimeMs);

    const configPath = join(dir, "config.json");
    const config = readFileSync(configPath, "utf8");
    const edited = config.replace('"max_position_embeddings": 256', '"max_position_embeddings": 512');
    expect(edited).not.toBe(config);
    expect(edited.length).toBe(config.length);
    writeFileSync(configPath, edited);
    await expect(checkUnchanged(engine.store, model)).rejects.toThrow(/same-size: config\.json changed since it was registered/);
  });

  it("a record from before modification times were kept is checked by content, then by time", async () => {
    const dir = copyFixture("qwen2");
    copies.push(dir);
    const { model } = await registerBaseModel(engine.store, { dir, name: "old-record" });
    const files = JSON.parse(model.files_json) as Array<Record<string, unknown>>;
    for (const f of files) delete f.mtimeMs;
    const old = { ...model, files_json: JSON.stringify(files) };
    await engine.store.db.updateTable("base_models").set({ files_json: old.files_json }).where("id", "=", old.id).execute();
    await expect(checkUnchanged(engine.store, { ...old })).resolves.toBeUndefined();
    const stored = JSON.parse((await listRegisteredBases(engine.store))[0]?.files_json ?? "[]") as Array<{ mtimeMs?: number }>;
    expect(stored.every((f) => typeof f.mtimeMs === "number")).toBe(true);

    const tokenizer = join(dir, "tokenizer.json");
    const bytes = readFileSync(tokenizer);
    bytes[bytes.length - 2] = bytes[bytes.length - 2] === 0x20 ? 0x0a : 0x20;
    writeFileSync(tokenizer, bytes);
    await expect(checkUnchanged(engine.store, old)).rejects.toThrow(/old-record: tokenizer\.json changed since it was registered/);
  });

  it("same-size edits are refused at use: chat completions answer 400 naming the file", async () => {
    const dir = copyFixture("qwen2");
    copies.push(dir);
    await registerBaseModel(engine.store, { dir, name: "edited" });
    const client = clientFor(engine);
    const ask = () =>
      client.chat.completions.create({ model: "edited", messages: [{ role: "user", content: "Hello" }], max_tokens: 2, temperature: 0 });
    expect((await ask()).choices[0]?.finish_reason).toMatch(/stop|length/);
    const configPath = join(dir, "config.json");
    const config = readFileSync(configPath, "utf8");
    writeFileSync(configPath, config.replace('"max_position_embeddings": 256', '"max_position_embeddings": 128'));
    await expect(ask()).rejects.toMatchObject({ status: 400, code: "model_unavailable", param: "model" });
    await expect(ask()).rejects.toThrow(/config\.json changed since it was registered/);
    writeFileSync(configPath, config);
    expect((await ask()).choices[0]?.finish_reason).toMatch(/stop|length/);
    const weights = join(dir, "model.safetensors");
    const flipped = readFileSync(weights);
    for (let i = flipped.length - 64; i < flipped.length; i++) flipped[i] = (flipped[i] as number) ^ 0xff;
    writeFileSync(weights, flipped);
    await expect(ask()).rejects.toThrow(/model\.safetensors changed since it was registered/);
  });

  it("is refused at use: chat completions answer 400 model_unavailable, a fine-tuning job fails naming the file", async () => {
    const dir = copyFixture("qwen2");
    copies.push(dir);
    await registerBaseModel(engine.store, { dir, name: "moving" });
    const client = clientFor(engine);
    const ask = () =>
      client.chat.completions.create({ model: "moving", messages: [{ role: "user", content: "Hello" }], max_tokens: 2, temperature: 0 });
    expect((await ask()).choices[0]?.finish_reason).toMatch(/stop|length/);
    appendFileSync(join(dir, "model.safetensors"), Buffer.alloc(16));
    await expect(ask()).rejects.toMatchObject({ status: 400, code: "model_unavailable", param: "model" });
    await expect(ask()).rejects.toThrow(/model\.safetensors changed since it was registered/);

    const jobs = await createEngine({ root, checkpointEvery: 1000 });
    try {
      const jobClient = clientFor(jobs);
      const line = JSON.stringify({
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: "hello" },
        ],
      });
      const file = await jobClient.files.create({
        file: await toFile(Buffer.from(`${line}\n`.repeat(10)), "t.jsonl"),
        purpose: "fine-tune",
      });
      const created = await jobClient.fineTuning.jobs.create({ model: "moving", training_file: file.id, hyperparameters: { n_epochs: 1 } });
      let job = created;
      while (!["succeeded", "failed", "cancelled"].includes(job.status)) {
        await new Promise((r) => setTimeout(r, 50));
        job = await jobClient.fineTuning.jobs.retrieve(created.id);
      }
      expect(job.status).toBe("failed");
      expect(job.error?.message).toMatch(/model\.safetensors changed since it was registered/);
    } finally {
      await jobs.close();
    }
  });
});
