import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toEvalItem, toSample } from "../item.ts";
import { MAX_GRADER_TEXT_CHARS } from "../sandbox/limits.ts";
import { GraderConfigError, parseGraderConfig, runGrader } from "./registry.ts";

const SECRETS = {
  TUNELAB_TOKEN: "tl-secret-token",
  OPENAI_API_KEY: "sk-secret-key",
  AWS_SECRET_ACCESS_KEY: "aws-secret",
  GITHUB_TOKEN: "ghp-secret",
  DB_PASSWORD: "db-secret",
  GRADER_LEXICON: "declared-value",
};
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tunelab-python-sandbox-"));
  Object.assign(process.env, SECRETS);
});
afterAll(async () => {
  for (const name of Object.keys(SECRETS)) delete process.env[name];
  await rm(dir, { recursive: true, force: true });
});

const itemWith = (extra: Record<string, unknown>) =>
  toEvalItem(
    {
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: "a" },
      ],
      ...extra,
    },
    0,
  );
/** Time limit for graders these tests do not expect to time out (a busy machine is slow to start processes). */
const slack = { timeoutMs: 120_000 };
const python = (source: string, extra: Record<string, unknown> = {}) => parseGraderConfig({ type: "python", name: "py", source, ...extra });

/** Alive = signalable and not a zombie (a killed process whose parent has not reaped it yet is dead). */
async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return !/^\d+ \(.*\) Z/.test(stat);
}

/** Waits (bounded by attempts, not asserted on time) for SIGKILL to take effect. */
async function settledAlive(pid: number): Promise<boolean> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (!(await alive(pid))) return false;
    await sleep(20);
  }
  return alive(pid);
}

describe("python grader sandbox", () => {
  it("sees no secrets: only PATH/LANG, HOME and cwd in a fresh temp dir (removed afterwards), and what it declares", async () => {
    const out = join(dir, "env.json");
    const source = `
import json, os
def grade(sample, item):
    json.dump({"env": dict(os.environ), "cwd": os.getcwd()}, open(item["out"], "w"))
    return 1.0
`;
    const grade = await runGrader(python(source, { env: ["GRADER_LEXICON"] }), toSample("x"), itemWith({ out }), slack);
    expect(grade).toMatchObject({ score: 1, passed: true });
    const seen = JSON.parse(await readFile(out, "utf8")) as { env: Record<string, string>; cwd: string };
    for (const name of ["TUNELAB_TOKEN", "OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "DB_PASSWORD"])
      expect(seen.env[name], name).toBeUndefined();
    expect(JSON.stringify(seen.env)).not.toMatch(/secret/);
    expect(seen.env.GRADER_LEXICON).toBe("declared-value");
    expect(seen.env.PATH).toBe(process.env.PATH);
    expect(seen.cwd).toMatch(/tunelab-grader-/);
    expect(seen.env.HOME).toBe(seen.cwd);
    expect(existsSync(seen.cwd)).toBe(false);

    const undeclared = join(dir, "env2.json");
    await runGrader(python(source), toSample("x"), itemWith({ out: undeclared }), slack);
    expect((JSON.parse(await readFile(undeclared, "utf8")) as { env: Record<string, string> }).env.GRADER_LEXICON).toBeUndefined();
  });

  it("refuses to declare tunelab's own variables", () => {
    expect(() => python("def grade(s, i): return 1", { env: ["TUNELAB_TOKEN"] })).toThrow(GraderConfigError);
    expect(() => python("def grade(s, i): return 1", { env: ["not a name"] })).toThrow(/env\[0\]/);
  });

  it("stops a grader that allocates without bound with the memory cap, not the timeout", async () => {
    const growing = "def grade(s, i):\n    x = []\n    while True:\n        x.append(' ' * 10**6)";
    const grade = await runGrader(python(growing), toSample(""), itemWith({}), { memoryMb: 256, timeoutMs: 120_000 });
    expect(grade.error).toEqual({ type: "other_error", message: "python grader exceeded its memory limit (256 MB) and was stopped" });
    expect(grade).toMatchObject({ score: 0, passed: false });

    const oneBlock = await runGrader(python("def grade(s, i):\n    return len(bytearray(10**11))"), toSample(""), itemWith({}), {
      memoryMb: 256,
      timeoutMs: 120_000,
    });
    expect(oneBlock.error?.message).toContain("memory limit (256 MB)");
  });

  it("the memory cap holds for processes the grader starts", async () => {
    const source = `
import subprocess, sys
def grade(s, i):
    child = subprocess.run([sys.executable, "-c", "x = bytearray(600 * 1024 * 1024)"], capture_output=True)
    return 1.0 if child.returncode != 0 and b"MemoryError" in child.stderr else 0.0
`;
    expect(await runGrader(python(source), toSample(""), itemWith({}), { memoryMb: 256, ...slack })).toMatchObject({ score: 1 });
  });

  it("kills the whole process group on timeout: a background process the grader started does not survive", async () => {
    const pidfile = join(dir, "hung.pid");
    const source = `
import subprocess, time
def grade(sample, item):
    child = subprocess.Popen(["sleep", "300"])
    with open(item["pidfile"], "w") as f:
        f.write(str(child.pid))
    time.sleep(300)
`;
    const grade = await runGrader(python(source), toSample(""), itemWith({ pidfile }), { timeoutMs: 5_000 });
    expect(grade.error).toEqual({ type: "other_error", message: "python grader timed out after 5000 ms (killed)" });
    const pid = Number(await readFile(pidfile, "utf8"));
    expect(pid).toBeGreaterThan(0);
    expect(await settledAlive(pid)).toBe(false);
  });

  it("kills background processes of a grader that returned normally", async () => {
    const pidfile = join(dir, "done.pid");
    const source = `
import subprocess
def grade(sample, item):
    child = subprocess.Popen(["sleep", "300"])
    with open(item["pidfile"], "w") as f:
        f.write(str(child.pid))
    return 0.75
`;
    expect(await runGrader(python(source), toSample(""), itemWith({ pidfile }), slack)).toMatchObject({ score: 0.75, passed: true });
    expect(await settledAlive(Number(await readFile(pidfile, "utf8")))).toBe(false);
  });

  it("keeps an error message as text of bounded length", async () => {
    const grade = await runGrader(python("def grade(s, i):\n    raise ValueError('e' * 200000)"), toSample(""), itemWith({}), slack);
    expect(grade.error?.type).toBe("python_grader_runtime_error");
    expect(grade.error?.message).toHaveLength(MAX_GRADER_TEXT_CHARS + "… (truncated)".length);
    expect(grade.error?.message.startsWith("Traceback")).toBe(true);
  });

  it("caps output: a grader that prints megabytes is stopped and errored", async () => {
    const printer = "def grade(s, i):\n    while True:\n        print('x' * 10000)";
    const grade = await runGrader(python(printer), toSample(""), itemWith({}), { timeoutMs: 120_000 });
    expect(grade.error).toEqual({ type: "other_error", message: "python grader wrote more than 1 MB to stderr (output limit; stopped)" });

    const stdout = "import os\ndef grade(s, i):\n    os.write(1, b'x' * (3 * 1024 * 1024))\n    return 1";
    const flooded = await runGrader(python(stdout), toSample(""), itemWith({}), { maxOutputBytes: 64 * 1024, ...slack });
    expect(flooded.error?.message).toBe("python grader wrote more than 64 KB to stdout (output limit; stopped)");
  });
});
