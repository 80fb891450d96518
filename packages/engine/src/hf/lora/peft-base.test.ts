/**
 * The base a PEFT export names: what the tuned model recorded at training (tunelab.json), with a pinned Hub revision
 * kept in PEFT's `revision` field; the registration's source only for models tuned before the source was recorded
 * (the caller checks its fingerprint); the base's folder otherwise, never the bare registration name. Exported for real
 * from a tuned model folder made of the committed adapter (fixtures/hf/export).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exportTunedModel } from "../export.ts";
import { FIXTURES_DIR } from "../test-support/broken-checkpoints.ts";
import type { HfBaseRef } from "./lora-dir.ts";
import { peftBase } from "./peft-base.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const work = mkdtempSync(join(tmpdir(), "tunelab-peft-base-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const base = (source?: string): HfBaseRef => ({
  name: "tiny",
  dir: join(FIXTURES_DIR, "qwen3"),
  fingerprint: "f".repeat(64),
  ...(source === undefined ? {} : { source }),
});

describe("peftBase", () => {
  it("a Hub base: its repository id, and the revision it was pinned to (null when none was given)", () => {
    expect(peftBase(base(`hf:Org/Tiny@${COMMIT}`))).toEqual({ nameOrPath: "Org/Tiny", revision: COMMIT });
    expect(peftBase(base("hf:Org/Tiny@v1.0"))).toEqual({ nameOrPath: "Org/Tiny", revision: "v1.0" });
    expect(peftBase(base("hf:Org/Tiny"))).toEqual({ nameOrPath: "Org/Tiny", revision: null });
  });

  it("a folder: the folder the base was in at training, not the registration's name", () => {
    expect(peftBase(base("./qwen3"))).toEqual({ nameOrPath: join(FIXTURES_DIR, "qwen3"), revision: null });
    expect(peftBase(base())).toEqual({ nameOrPath: join(FIXTURES_DIR, "qwen3"), revision: null });
  });

  it("the registration's source only when the tuned model recorded none", () => {
    expect(peftBase(base(), "hf:Org/Tiny@v2")).toEqual({ nameOrPath: "Org/Tiny", revision: "v2" });
    expect(peftBase(base("hf:Org/Tiny@v1"), "hf:Other/Model")).toEqual({ nameOrPath: "Org/Tiny", revision: "v1" });
  });
});

/** A tuned model folder: the committed adapter and a tunelab.json naming `ref`. */
function tunedDir(name: string, ref: HfBaseRef): string {
  const dir = join(work, name);
  cpSync(join(FIXTURES_DIR, "export", "adapter"), dir, { recursive: true });
  writeFileSync(join(dir, "tunelab.json"), JSON.stringify({ format: "tunelab-lora", version: 1, base: ref }));
  return dir;
}

const exportedConfig = async (modelDir: string, extra: { registeredBaseSource?: string; baseModelNameOrPath?: string } = {}) => {
  const { outDir } = await exportTunedModel({ modelDir, format: "peft", outDir: `${modelDir}-peft`, ...extra });
  return JSON.parse(readFileSync(join(outDir, "adapter_config.json"), "utf8")) as Record<string, unknown>;
};

describe("a PEFT export", () => {
  it("keeps a pinned Hub revision", async () => {
    const config = await exportedConfig(tunedDir("pinned", base(`hf:Org/Tiny@${COMMIT}`)));
    expect(config).toMatchObject({ base_model_name_or_path: "Org/Tiny", revision: COMMIT });
  });

  it("names the base's folder, not its registration name, when no Hub id is known", async () => {
    const config = await exportedConfig(tunedDir("folder", base()));
    expect(config).toMatchObject({ base_model_name_or_path: join(FIXTURES_DIR, "qwen3"), revision: null });
  });

  it("takes the registration's source for a model tuned before it was recorded", async () => {
    const config = await exportedConfig(tunedDir("older", base()), { registeredBaseSource: `hf:Org/Tiny@${COMMIT}` });
    expect(config).toMatchObject({ base_model_name_or_path: "Org/Tiny", revision: COMMIT });
  });

  it("an explicit base_model_name_or_path keeps the revision only when it names the same repository", async () => {
    const dir = tunedDir("explicit", base(`hf:Org/Tiny@${COMMIT}`));
    expect(await exportedConfig(dir, { baseModelNameOrPath: "Org/Tiny" })).toMatchObject({ revision: COMMIT });
    rmSync(`${dir}-peft`, { recursive: true });
    expect(await exportedConfig(dir, { baseModelNameOrPath: "/elsewhere/tiny" })).toMatchObject({
      base_model_name_or_path: "/elsewhere/tiny",
      revision: null,
    });
  });
});
