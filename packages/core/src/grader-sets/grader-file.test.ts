// Reading a grader file as `tunelab graders add FILE` and the API do: grader JSON in its accepted shapes, or a custom
// grader module loaded once in a worker (its name read from it, or overridden); errors name the file.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TunelabError } from "@tunelab/base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradersFromFile, isCustomGraderModule } from "./grader-file.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-grader-file-"));
  const exact = { type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" };
  writeFileSync(join(dir, "graders.json"), JSON.stringify({ graders: [exact], primary_metric: "exact" }));
  writeFileSync(join(dir, "broken.json"), "{ not json");
  writeFileSync(join(dir, "wrong.json"), JSON.stringify({ type: "string_check", name: "x" }));
  // a custom grader module, duck-typed as defineGrader's result (no import needed)
  writeFileSync(join(dir, "shout.mjs"), 'export default { name: "shout", version: "1", grade: (s) => s.output_text.endsWith("!") };\n');
  writeFileSync(join(dir, "nothing.mjs"), "export const x = 1;\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const failure = async (run: Promise<unknown>) => {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TunelabError);
  expect((error as TunelabError).code).toBe("invalid_argument");
  return (error as Error).message;
};

describe("gradersFromFile", () => {
  it("reads grader JSON with its primary metric, relative to cwd", async () => {
    const read = await gradersFromFile("graders.json", { cwd: dir });
    expect(read.primaryMetric).toBe("exact");
    expect(read.graders.map((g) => [g.type, g.name])).toEqual([["string_check", "exact"]]);
  });

  it("loads a custom grader module to read its name, pinning its absolute path; a given name overrides it", async () => {
    const read = await gradersFromFile(join(dir, "shout.mjs"));
    expect(read.graders).toEqual([expect.objectContaining({ type: "custom", name: "shout", path: join(dir, "shout.mjs") })]);
    const renamed = await gradersFromFile("shout.mjs", { cwd: dir, name: "loud" });
    expect(renamed.graders[0]).toMatchObject({ type: "custom", name: "loud", path: join(dir, "shout.mjs") });
  });

  it("names the file in every error", async () => {
    expect(await failure(gradersFromFile("missing.json", { cwd: dir }))).toBe("cannot read missing.json");
    expect(await failure(gradersFromFile("broken.json", { cwd: dir }))).toMatch(/^broken\.json is not valid JSON: /);
    expect(await failure(gradersFromFile("wrong.json", { cwd: dir }))).toMatch(/^wrong\.json: /);
    expect(await failure(gradersFromFile("nothing.mjs", { cwd: dir }))).toMatch(
      /^nothing\.mjs: .*no default or named export made with defineGrader/,
    );
  });

  it("tells modules from JSON by extension", () => {
    expect(["a.ts", "a.mts", "a.js", "a.mjs"].map(isCustomGraderModule)).toEqual([true, true, true, true]);
    expect(["a.json", "a", "a.ts.json"].map(isCustomGraderModule)).toEqual([false, false, false]);
  });
});
