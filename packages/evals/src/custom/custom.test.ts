import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { GraderError } from "../grade.ts";
import { closeCustomGraders } from "../graders/custom.ts";
import { parseGraderConfig, runGrader } from "../graders/registry.ts";
import { toEvalItem, toSample } from "../item.ts";
import { type LoadedCustomGrader, loadCustomGrader } from "./load.ts";
import { hashModule } from "./module-hash.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const item = toEvalItem(
  {
    messages: [
      { role: "user", content: "q" },
      { role: "assistant", content: "0123456789" },
    ],
  },
  0,
);
const loaded: LoadedCustomGrader[] = [];
async function load(name: string, options: Parameters<typeof loadCustomGrader>[1] = {}) {
  const grader = await loadCustomGrader(fixture(name), options);
  loaded.push(grader);
  return grader;
}
afterAll(async () => {
  await Promise.all(loaded.map((g) => g.close()));
  await closeCustomGraders();
});

describe("custom graders", () => {
  it("loads a TypeScript module in a worker; identity = name + the hash of its code (with the local files it imports)", async () => {
    const grader = await load("keyword-grader.ts");
    const fileHash = createHash("sha256")
      .update(await readFile(fixture("keyword-grader.ts")))
      .digest("hex");
    // the fixture imports ../define.ts, a local file: the identity covers both
    const definition = createHash("sha256")
      .update(await readFile(fixture("../define.ts")))
      .digest("hex");
    const sha256 = createHash("sha256").update(`keyword-grader.ts\0${fileHash}\n../define.ts\0${definition}\n`).digest("hex");
    expect(grader).toMatchObject({ name: "keywords", version: "1.2.0", description: "fraction of keywords present", sha256 });
    expect(grader.identity).toBe(`keywords@sha256:${sha256}`);
    const grade = await grader.grade(toSample("Refund issued for your Card"), item, { keywords: ["refund", "card", "sorry"] });
    expect(grade).toEqual({ score: 2 / 3, passed: true, reason: "2/3 keywords", subScores: { refund: 1, card: 1, sorry: 0 } });
    expect(await grader.grade(toSample("Refund"), item, { keywords: ["refund", "card"] }, { passThreshold: 0.75 })).toMatchObject({
      score: 0.5,
      passed: false,
    });
  });

  it("validates the config with the module's schema", async () => {
    const grader = await load("keyword-grader.ts");
    await expect(grader.grade(toSample("x"), item, { keywords: [] })).rejects.toMatchObject({
      type: "other_error",
      message: expect.stringContaining('invalid config for custom grader "keywords": keywords:'),
    });
  });

  it("loads a JavaScript module's named export", async () => {
    const grader = await load("named-grader.js");
    expect(grader.name).toBe("length-ratio");
    // no local imports: the identity is the file's own SHA-256
    expect(grader.sha256).toBe(
      createHash("sha256")
        .update(await readFile(fixture("named-grader.js")))
        .digest("hex"),
    );
    expect(await grader.grade(toSample("01234"), item)).toEqual({ score: 0.5, passed: true });
  });

  it("terminates a grader that runs past the time limit, then keeps working", async () => {
    const grader = await load("keyword-grader.ts", { size: 1 });
    const hung = grader.grade(toSample("hang"), item, { keywords: ["a"] }, { timeoutMs: 200 });
    const queued = grader.grade(toSample("a"), item, { keywords: ["a"] }, { timeoutMs: 5_000 });
    await expect(hung).rejects.toEqual(new GraderError("other_error", "custom grader timed out after 200 ms (worker terminated)"));
    expect(await queued).toMatchObject({ score: 1, passed: true });
  });

  it("reports a thrown error as other_error", async () => {
    const grader = await load("keyword-grader.ts");
    await expect(grader.grade(toSample("throw"), item, { keywords: ["a"] })).rejects.toMatchObject({
      type: "other_error",
      message: 'custom grader "keywords" threw: no keywords today',
    });
  });

  it("grades concurrently across the pool", async () => {
    const grader = await load("keyword-grader.ts", { size: 2 });
    const grades = await Promise.all(
      ["a", "b", "ab", "c", "abc"].map((text) => grader.grade(toSample(text), item, { keywords: ["a", "b"] })),
    );
    expect(grades.map((g) => g.score)).toEqual([0.5, 0.5, 1, 0, 1]);
  });

  it("refuses modules without a definition, and missing files", async () => {
    await expect(loadCustomGrader(fixture("no-grader.ts"))).rejects.toMatchObject({
      type: "other_error",
      message: expect.stringContaining("no default or named export made with defineGrader"),
    });
    await expect(loadCustomGrader(fixture("missing.ts"))).rejects.toMatchObject({
      message: expect.stringContaining("cannot read custom grader module"),
    });
  });

  it("runs through the registry as type custom, with errored grades on timeout", async () => {
    const config = parseGraderConfig({ type: "custom", name: "kw", path: fixture("keyword-grader.ts"), config: { keywords: ["paris"] } });
    expect(await runGrader(config, toSample("Paris"), item)).toMatchObject({ score: 1, passed: true });
    expect(await runGrader(config, toSample("hang"), item, { timeoutMs: 200 })).toEqual({
      score: 0,
      passed: false,
      error: { type: "other_error", message: "custom grader timed out after 200 ms (worker terminated)" },
    });
    expect(await runGrader(config, toSample("Paris"), item)).toMatchObject({ score: 1 });
  });

  it("reloads a changed module and refuses one that differs from its pinned hash", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tunelab-custom-"));
    try {
      const path = join(dir, "grader.mjs");
      const source = (score: number) => `export default { name: "fixed", version: "1", grade: () => ${score} };\n`;
      await writeFile(path, source(0.25));
      const sha = createHash("sha256").update(source(0.25)).digest("hex");
      const pinned = parseGraderConfig({ type: "custom", name: "fixed", path, sha256: sha });
      expect(await runGrader(pinned, toSample(""), item)).toMatchObject({ score: 0.25 });
      await writeFile(path, source(0.75));
      expect(await runGrader(parseGraderConfig({ type: "custom", name: "fixed", path }), toSample(""), item)).toMatchObject({
        score: 0.75,
      });
      const refused = await runGrader(pinned, toSample(""), item);
      expect(refused.error).toMatchObject({ type: "other_error", message: expect.stringContaining("changed since it was registered") });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("hashes the local files a module imports: changing a helper changes the identity and is refused when pinned", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tunelab-custom-helper-"));
    try {
      const path = join(dir, "grader.mjs");
      const helper = join(dir, "lib", "score.mjs");
      await mkdir(join(dir, "lib"));
      await writeFile(
        path,
        `import { score } from "./lib/score.mjs";\nexport default { name: "helped", version: "1", grade: () => score };\n`,
      );
      await writeFile(helper, "export const score = 0.25;\n");
      const before = await hashModule(path);
      expect(before).not.toBe(
        createHash("sha256")
          .update(await readFile(path))
          .digest("hex"),
      );
      const pinned = parseGraderConfig({ type: "custom", name: "helped", path, sha256: before });
      expect(await runGrader(pinned, toSample(""), item)).toMatchObject({ score: 0.25 });

      await writeFile(helper, "export const score = 0.75;\n");
      const after = await hashModule(path);
      expect(after).not.toBe(before);
      const refused = await runGrader(pinned, toSample(""), item);
      expect(refused.error).toMatchObject({ type: "other_error", message: expect.stringContaining("changed since it was registered") });
      // unpinned, the changed helper is loaded afresh
      expect(await runGrader(parseGraderConfig({ type: "custom", name: "helped", path }), toSample(""), item)).toMatchObject({
        score: 0.75,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
