import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeCustomGraders } from "../graders/custom.ts";
import { GraderConfigError, parseGraderConfig, runGrader } from "../graders/registry.ts";
import { toEvalItem, toSample } from "../item.ts";
import { MAX_GRADER_TEXT_CHARS } from "../sandbox/limits.ts";
import { type LoadedCustomGrader, loadCustomGrader } from "./load.ts";

const probe = fileURLToPath(new URL("./fixtures/sandbox-grader.mjs", import.meta.url));
const item = toEvalItem(
  {
    messages: [
      { role: "user", content: "q" },
      { role: "assistant", content: "a" },
    ],
  },
  0,
);
const SECRETS = {
  TUNELAB_TOKEN: "tl-secret-token",
  OPENAI_API_KEY: "sk-secret-key",
  AWS_SECRET_ACCESS_KEY: "aws-secret",
  GRADER_LEXICON: "declared",
};
const loaded: LoadedCustomGrader[] = [];
async function load(options: Parameters<typeof loadCustomGrader>[1] = {}) {
  // generous load and grade time limits: what these tests stop must be stopped by the other limits
  const grader = await loadCustomGrader(probe, { timeoutMs: 120_000, ...options });
  loaded.push(grader);
  return grader;
}
beforeAll(() => {
  Object.assign(process.env, SECRETS);
});
afterAll(async () => {
  for (const name of Object.keys(SECRETS)) delete process.env[name];
  await Promise.all(loaded.map((g) => g.close()));
  await closeCustomGraders();
});

describe("custom grader sandbox", () => {
  it("process.env in the worker (and in processes it starts) holds no secrets, only what the grader declares", async () => {
    const grader = await load({ env: ["GRADER_LEXICON"] });
    const grade = await grader.grade(toSample("env"), item);
    const seen = JSON.parse(grade.reason ?? "") as { env: Record<string, string>; child: string };
    for (const name of ["TUNELAB_TOKEN", "OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY"]) expect(seen.env[name], name).toBeUndefined();
    expect(grade.reason).not.toMatch(/secret/);
    expect(seen.env.GRADER_LEXICON).toBe("declared");
    expect(seen.env.PATH).toBe(process.env.PATH);
    expect(seen.env.HOME).toMatch(/tunelab-grader-/);
    expect(existsSync(seen.env.HOME ?? "")).toBe(true);
    expect(seen.child).toContain("GRADER_LEXICON=declared");
    expect(seen.child).not.toMatch(/secret/);
    await grader.close();
    // the worker's temporary HOME goes with it
    for (let attempt = 0; attempt < 100 && existsSync(seen.env.HOME ?? ""); attempt++) await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(seen.env.HOME ?? "")).toBe(false);
  });

  it("without a declaration, the registry's custom grader sees none of the server's variables", async () => {
    const config = parseGraderConfig({ type: "custom", name: "probe", path: probe });
    const grade = await runGrader(config, toSample("env"), item, { timeoutMs: 120_000 });
    const seen = JSON.parse(grade.reason ?? "") as { env: Record<string, string> };
    expect(Object.keys(seen.env).sort()).toEqual(
      ["HOME", "TEMP", "TMP", "TMPDIR", ...["PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ"].filter((n) => process.env[n])].sort(),
    );
    expect(() => parseGraderConfig({ type: "custom", name: "probe", path: probe, env: ["TUNELAB_TOKEN"] })).toThrow(GraderConfigError);
  });

  it("stops a grader that allocates without bound with the memory cap (not the timeout), errored; the pool recovers", async () => {
    const grader = await load({ memoryMb: 64, size: 1 });
    await expect(grader.grade(toSample("allocate"), item, undefined, { timeoutMs: 120_000 })).rejects.toMatchObject({
      type: "other_error",
      message: "custom grader exceeded its memory limit (64 MB) and was stopped",
    });
    expect(await grader.grade(toSample("ok"), item)).toEqual({ score: 1, passed: true });

    const config = parseGraderConfig({ type: "custom", name: "probe", path: probe });
    expect(await runGrader(config, toSample("allocate"), item, { memoryMb: 64, timeoutMs: 120_000 })).toEqual({
      score: 0,
      passed: false,
      error: { type: "other_error", message: "custom grader exceeded its memory limit (64 MB) and was stopped" },
    });
  });

  it("caps output: a grader that prints without end is stopped and errored", async () => {
    const grader = await load({ size: 1, maxOutputBytes: 4 * 1024 });
    await expect(grader.grade(toSample("print"), item, undefined, { timeoutMs: 120_000 })).rejects.toMatchObject({
      type: "other_error",
      message: "custom grader wrote more than 4 KB of output (output limit; worker stopped)",
    });
    expect(await grader.grade(toSample("ok"), item)).toMatchObject({ score: 1 });
  });

  it("keeps a reason as plain text of bounded length and refuses malformed grades", async () => {
    const grader = await load();
    const long = await grader.grade(toSample("long reason"), item);
    expect(long.reason).toHaveLength(MAX_GRADER_TEXT_CHARS + "… (truncated)".length);
    expect(long.reason?.endsWith("… (truncated)")).toBe(true);
    await expect(grader.grade(toSample("bad sub-scores"), item)).rejects.toMatchObject({
      type: "other_error",
      message: expect.stringContaining("custom grader returned an invalid grade: subScores.a:"),
    });
    // markup is data: returned unchanged, never interpreted here (the web app renders it as text)
    expect((await grader.grade(toSample("<script>"), item)).reason).toBe("<img src=x onerror=alert(1)><script>alert(2)</script>");
  });
});
