/**
 * inspectCheckpoint on the committed fixtures and on copies broken the ways real folders are broken:
 * every refusal is a TunelabError (validation_failed) whose message names the file and the field or
 * tensor, so a user knows what to fix.
 */
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TunelabError } from "@tunelab/base";
import { afterEach, describe, expect, it } from "vitest";
import { inspectCheckpoint } from "./checkpoint.ts";
import { BREAKAGES, brokenCopy, copyFixture, FIXTURES_DIR, removeCopy } from "./test-support/broken-checkpoints.ts";

const copies: string[] = [];
afterEach(() => {
  for (const dir of copies.splice(0)) removeCopy(dir);
});

function refusalOf(dir: string): TunelabError {
  try {
    inspectCheckpoint(dir);
  } catch (error) {
    if (error instanceof TunelabError) return error;
    throw new Error(`not a TunelabError: ${String(error)}`, { cause: error });
  }
  throw new Error(`${dir} was accepted`);
}

describe("inspectCheckpoint accepts the fixtures", () => {
  it.each(["llama", "smollm", "qwen2", "qwen3", "mistral", "qwen2-sharded", "smollm3", "gemma3"])("%s", (name) => {
    const ckpt = inspectCheckpoint(`${FIXTURES_DIR}${name}`);
    expect(ckpt.dtype).toBe("BF16");
    expect(ckpt.files.map((f) => f.name)).toEqual(expect.arrayContaining(["config.json", "tokenizer.json", "tokenizer_config.json"]));
    expect(ckpt.tensors.size).toBeGreaterThan(0);
  });

  it("a sharded checkpoint locates each tensor in its shard", () => {
    const ckpt = inspectCheckpoint(`${FIXTURES_DIR}qwen2-sharded`);
    expect(ckpt.tensors.get("model.embed_tokens.weight")?.file).toMatch(/model-00001-of-00002\.safetensors$/);
    expect(ckpt.tensors.get("model.norm.weight")?.file).toMatch(/model-00002-of-00002\.safetensors$/);
    expect(ckpt.parameters).toBe(inspectCheckpoint(`${FIXTURES_DIR}qwen2`).parameters);
  });

  it("a copy with a chat_template.jinja instead of the tokenizer_config field is accepted", () => {
    const dir = copyFixture("qwen2");
    copies.push(dir);
    const file = join(dir, "tokenizer_config.json");
    const config = JSON.parse(readFileSync(file, "utf8")) as { chat_template?: string };
    writeFileSync(join(dir, "chat_template.jinja"), config.chat_template ?? "");
    delete config.chat_template;
    writeFileSync(file, JSON.stringify(config));
    const ckpt = inspectCheckpoint(dir);
    expect(ckpt.files.map((f) => f.name)).toContain("chat_template.jinja");
    // Without either, it is refused.
    unlinkSync(join(dir, "chat_template.jinja"));
    expect(refusalOf(dir).message).toMatch(/^tokenizer_config\.json: chat_template: missing/);
    // and says how to tune a base checkpoint: what made it pass above
    expect(refusalOf(dir).message).toMatch(/chat template of its -Instruct variant .*chat_template\.jinja beside the other files/);
  });
});

describe("inspectCheckpoint refuses, naming the file and the field", () => {
  it.each(BREAKAGES.map((b) => [b.title, b] as const))("%s", (_title, breakage) => {
    const dir = brokenCopy(breakage);
    copies.push(dir);
    const error = refusalOf(dir);
    expect(error.code).toBe("validation_failed");
    expect(error.message).toContain(breakage.file);
    expect(error.message).toContain(breakage.field);
    if (typeof breakage.mentions === "string") expect(error.message).toContain(breakage.mentions);
    if (breakage.mentions instanceof RegExp) expect(error.message).toMatch(breakage.mentions);
    // One line that starts with the file: what a CLI prints after "error: ".
    expect(error.message.startsWith(breakage.file)).toBe(true);
    expect(error.message).not.toContain("\n");
  });

  it("a directory that does not exist", () => {
    const error = refusalOf(`${FIXTURES_DIR}no-such-model`);
    expect(error.message).toContain("no-such-model");
    expect(error.message).toContain("is not a directory");
  });
});
