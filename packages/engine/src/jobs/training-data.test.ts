import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runningWorkerTasks } from "@tunelab/base";
import { OFF_THREAD_BYTES } from "@tunelab/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertFile } from "../files/file.repository.ts";
import { type EngineStore, openEngineStore } from "../storage/store.ts";
import { checkTrainingFile } from "./training-data.ts";

let root: string;
let store: EngineStore;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "tunelab-training-data-"));
  store = await openEngineStore(root);
});
afterAll(async () => {
  await store.db.destroy();
  rmSync(root, { recursive: true, force: true });
});

const line = (i: number) =>
  JSON.stringify({
    messages: [
      { role: "system", content: "Route the ticket." },
      { role: "user", content: `my parcel ${i} never arrived` },
      { role: "assistant", content: '{"category":"shipping"}' },
    ],
  });
/** 2,000 lines: over OFF_THREAD_BYTES, so validated in a dataset worker. */
const big = (replace: Record<number, string | Buffer> = {}) =>
  Buffer.concat(
    Array.from({ length: 2_000 }, (_, i) => {
      const custom = replace[i + 1];
      return Buffer.concat([
        typeof custom === "string" || custom === undefined ? Buffer.from(custom ?? line(i)) : custom,
        Buffer.from("\n"),
      ]);
    }),
  );

async function check(data: Uint8Array) {
  const file = await insertFile(store, { filename: "train.jsonl", purpose: "fine-tune", data });
  return checkTrainingFile(store, file.id, "training_file");
}

describe("checking a training file", () => {
  it("validates a large file in a worker thread and reads its examples back", async () => {
    const data = big();
    expect(data.byteLength).toBeGreaterThan(OFF_THREAD_BYTES);
    const file = await insertFile(store, { filename: "train.jsonl", purpose: "fine-tune", data });
    const pending = [checkTrainingFile(store, file.id, "training_file"), checkTrainingFile(store, file.id, "training_file")];
    const [first, second] = await Promise.all(pending);
    expect(first).toBe(second); // one validation, shared
    expect(runningWorkerTasks()).toBe(0);
    if (!first?.ok) throw new Error(`unexpected: ${JSON.stringify(first)}`);
    expect(first.examples).toHaveLength(2_000);
    expect(first.examples[1_234]).toEqual(JSON.parse(line(1_234)));
  });

  it("refuses images that are not data: URLs at creation, naming the line, and accepts data: images", async () => {
    const image = JSON.stringify({
      messages: [
        { role: "user", content: [{ type: "image_url", image_url: { url: "https://example.test/cat.png" } }] },
        { role: "assistant", content: "cat" },
      ],
    });
    const result = await check(big({ 1500: image }));
    expect(result).toMatchObject({ ok: false, atCreation: true, error: { code: "unsupported_image", param: "training_file" } });
    if (!result.ok) expect(result.error.message).toMatch(/line 1500 .*data: URLs only/);
    const inline = image.replace("https://example.test/cat.png", "data:image/png;base64,iVBORw0KGgo=");
    const accepted = await check(big({ 1500: inline }));
    expect(accepted).toMatchObject({ ok: true });
  });

  it("fails a file with a duplicate key or bytes that are not UTF-8, naming the line and field", async () => {
    const duplicate = line(7).replace('"role":"user"', '"role":"user","role":"assistant"');
    const dup = await check(big({ 1700: duplicate }));
    expect(dup).toMatchObject({ ok: false, atCreation: false, error: { code: "invalid_training_file" } });
    if (!dup.ok) expect(dup.error.message).toMatch(/line 1700, messages\[1\]\.role: .*\(duplicate_key\)/);

    const latin1 = Buffer.from(line(3).replace("parcel", "colis é"), "latin1");
    const bad = await check(Buffer.concat([Buffer.from(`${Array.from({ length: 11 }, (_, i) => line(i)).join("\n")}\n`), latin1]));
    expect(bad).toMatchObject({ ok: false, atCreation: false, error: { code: "invalid_training_file" } });
    if (!bad.ok) expect(bad.error.message).toMatch(/line 12: byte \d+ \(0xE9\) is not valid UTF-8.*\(invalid_utf8\)/);
  });
});
