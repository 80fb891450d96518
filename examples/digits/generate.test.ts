import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { generate, PER_DIGIT, QUESTION } from "./generate.ts";

const committed = fileURLToPath(new URL(".", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "digits-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const lines = (dir: string, name: string) => readFileSync(join(dir, name), "utf8").trimEnd().split("\n");

describe("digits example", () => {
  it("regenerates the committed files byte for byte", async () => {
    await generate(out);
    for (const name of ["train.jsonl", "valid.jsonl", "test.jsonl"]) {
      expect(readFileSync(join(out, name)).equals(readFileSync(join(committed, name))), name).toBe(true);
    }
  });

  it("has balanced digits, PNG data URLs and no image shared between splits", () => {
    const seen = new Map<string, string>();
    for (const split of ["train", "valid", "test"] as const) {
      const counts = new Map<number, number>();
      for (const line of lines(committed, `${split}.jsonl`)) {
        const record = JSON.parse(line);
        const [, user, assistant] = record.messages;
        expect(user.content[0]).toEqual({ type: "text", text: QUESTION });
        const url: string = user.content[1].image_url.url;
        expect(url.startsWith("data:image/png;base64,iVBORw0KGgo")).toBe(true);
        // IHDR colour type 2: RGB, as OpenAI requires (RGB or RGBA)
        expect(Buffer.from(url.slice(url.indexOf(",") + 1), "base64")[25], "PNG colour type").toBe(2);
        const digit = JSON.parse(assistant.content).digit as number;
        counts.set(digit, (counts.get(digit) ?? 0) + 1);
        expect(seen.get(url), `${split}: image already in ${seen.get(url)}`).toBeUndefined();
        seen.set(url, split);
      }
      expect([...counts.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(new Set(counts.values())).toEqual(new Set([PER_DIGIT[split]]));
    }
  });
});
