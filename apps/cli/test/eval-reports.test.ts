// `tunelab eval`'s reports as a CI pipeline reads them, for a model whose answers hold what breaks reports: control
// characters (an ANSI colour escape), `]]>`, `&`, `<`, `|`, newlines and carriage returns, HTML. The model is served by a
// hosted provider (a loopback replica of Together's API, in this process); the baseline is another of its models. The
// JUnit XML is read by a strict XML parser (Python's expat, as CI tools use one), not a lenient one.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeWorkspace, openWorkspace } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeTogether, startFakeTogether } from "../../../packages/core/src/test-support/fake-together.ts";
import { EXACT_GRADER, startCli } from "./run-cli.ts";

const BIN = fileURLToPath(new URL("../bin/tunelab.mjs", import.meta.url));

/** What the "nasty" model answers to every item. */
const NASTY = "ctl \u0001\u001b[31m ]]> & < a|b\nline2\r\nline3 </details><b>bold</b> \uFFFE end";

let dir: string;
let home: string;
let fake: FakeTogether;
const env = { TOGETHER_API_KEY: "tk-reports" };
/** `tunelab ARGS…` as a child process (async: the replica in this process answers it). */
const tunelab = async (args: string[]) => {
  const child = startCli(args, { home, cwd: dir, env });
  const code = await child.exited;
  return { code, ...child.output() };
};
const tunelabEval = (args: string[]) => tunelab(["eval", "--provider", "hosted", ...args]);
/** `eval -m MODEL -p PROJECT`, gated on a 2-point drop from the board's best, with EXTRA (report options). */
const gatedEval = (model: string, project: string, extra: string[]) =>
  tunelabEval(["-m", model, "-p", project, "--baseline", "best", "--max-drop", "0.02", ...extra]);

interface JunitCase {
  name: string;
  failure: string | null;
  error: string | null;
  skipped: string | null;
}
interface Junit {
  suites: Record<string, string>;
  suite: Record<string, string>;
  cases: JunitCase[];
}
/** The report as Python's strict XML parser reads it (it throws on a malformed document). */
function parseJunit(file: string): Junit {
  const script = `
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root.find("testsuite")
def text(case, tag):
    el = case.find(tag)
    return None if el is None else (el.text or el.get("message") or "")
print(json.dumps({"suites": root.attrib, "suite": suite.attrib, "cases": [
    {"name": c.get("name"), "failure": text(c, "failure"), "error": text(c, "error"), "skipped": text(c, "skipped")}
    for c in suite.findall("testcase")]}))
`;
  const result = spawnSync("python3", ["-c", script, file], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`not well-formed XML: ${result.stderr}`);
  return JSON.parse(result.stdout) as Junit;
}

beforeAll(async () => {
  fake = await startFakeTogether({
    apiKey: "tk-reports",
    models: ["nasty", "good"],
    answer: (model) => (model === "good" ? "ok" : NASTY),
  });
  dir = mkdtempSync(join(tmpdir(), "tunelab-eval-reports-"));
  home = join(dir, ".tunelab");
  writeFileSync(
    join(dir, "tunelab.config.json"),
    JSON.stringify({ providers: { hosted: { kind: "together", baseURL: fake.baseURL, apiKeyEnv: "TOGETHER_API_KEY" } } }),
  );
  // twelve items whose reference is "ok", graded by exact match: "good" passes every one, "nasty" fails every one
  const items = Array.from({ length: 12 }, (_, i) => ({
    messages: [
      { role: "user", content: `question ${i + 1}` },
      { role: "assistant", content: "ok" },
    ],
  }));
  writeFileSync(join(dir, "test.jsonl"), `${items.map((item) => JSON.stringify(item)).join("\n")}\n`);
  writeFileSync(join(dir, "graders.json"), JSON.stringify([EXACT_GRADER]));
  for (const args of [
    ["split", join(dir, "test.jsonl"), "--project", "tickets"],
    ["graders", "add", join(dir, "graders.json"), "-p", "tickets"],
    ["baseline", "--model", "good", "--provider", "hosted", "-p", "tickets"],
    // a project with nothing scored yet: the first eval of a pipeline
    ["split", join(dir, "test.jsonl"), "--project", "fresh"],
    ["graders", "add", join(dir, "graders.json"), "-p", "fresh"],
  ]) {
    const r = await tunelab(args);
    if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  }
}, 180_000);
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("tunelab eval --format junit", () => {
  it("writes well-formed XML whatever the model answered: control characters escaped visibly, ]]> and < kept as text", async () => {
    const file = join(dir, "regressed.xml");
    const result = await gatedEval("nasty", "tickets", ["--format", "junit", "-o", file]);
    expect(result.code, result.stderr).toBe(1);
    const junit = parseJunit(file);
    const failures = junit.cases.filter((c) => c.failure !== null).length;
    const errors = junit.cases.filter((c) => c.error !== null).length;
    const skipped = junit.cases.filter((c) => c.skipped !== null).length;
    for (const counts of [junit.suites, junit.suite])
      expect(counts).toMatchObject({
        tests: String(junit.cases.length),
        failures: String(failures),
        errors: String(errors),
        skipped: String(skipped),
      });
    expect(junit.cases).toHaveLength(12 + 2);
    expect(junit.cases.find((c) => c.name === "max-drop")?.failure).toContain("vs baseline");
    const item = junit.cases.find((c) => c.name === "item 1");
    expect(item?.failure).toContain("exact: 0 fail");
    expect(item?.failure).toContain("output: ctl \\u0001\\u001b[31m ]]> & < a|b\nline2");
    expect(item?.failure).toContain("</details><b>bold</b> \\ufffe end");
  });

  it("on a first run (no baseline yet) passes with the max-drop gate reported as skipped, not as passed", async () => {
    const file = join(dir, "first.xml");
    const result = await gatedEval("good", "fresh", ["--format", "junit", "-o", file]);
    expect(result.code, result.stderr).toBe(0);
    const junit = parseJunit(file);
    expect(junit.suite).toMatchObject({ tests: "14", errors: "0", skipped: "1" });
    expect(junit.suites.skipped).toBe("1");
    const gate = junit.cases.find((c) => c.name === "max-drop");
    expect(gate).toMatchObject({ failure: null, error: null, skipped: expect.stringContaining("no baseline to compare with yet") });
  });
});

describe("tunelab eval --format markdown", () => {
  it("keeps every table row on one line with its columns, and shows outputs as text: no HTML, no raw control characters", async () => {
    const result = await gatedEval("nasty", "tickets", ["--format", "markdown"]);
    expect(result.code, result.stderr).toBe(1);
    const markdown = result.stdout;
    // a carriage return ends a Markdown line (and so a table row) as a newline does
    expect(markdown).not.toMatch(/\r/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the report must hold none
    expect(markdown).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    const lines = markdown.split("\n");
    const header = lines.indexOf("| item | input | reference | baseline | this run |");
    expect(header).toBeGreaterThan(0);
    const rows = lines.slice(header + 2, lines.indexOf("", header));
    expect(rows).toHaveLength(12);
    // a row's cells are split at pipes not escaped with a backslash, as GitHub splits them
    const cellsOf = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1);
    for (const row of rows) expect(cellsOf(row), row).toHaveLength(5);
    const output = cellsOf(rows[0] as string)[4]?.trim();
    expect(output).toBe(
      "ctl \\u0001\\u001b\\[31m \\]\\]&gt; &amp; &lt; a\\|b line2 line3 &lt;/details&gt;&lt;b&gt;bold&lt;/b&gt; \uFFFE end",
    );
    // the only HTML is the report's own collapsible section
    expect(markdown.match(/<\/?[a-z]+>/g)).toEqual(["<details>", "<summary>", "</summary>", "</details>"]);
  });
});

describe("tunelab eval's gates", () => {
  it("refuses --max-drop without --baseline (a gate that would check nothing) before an eval run is stored", async () => {
    const ws = await openWorkspace(home);
    const runs = async () => (await ws.db.selectFrom("eval_runs").select(ws.db.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n;
    try {
      const before = Number(await runs());
      const result = await tunelabEval([
        "-m",
        "nasty",
        "-p",
        "tickets",
        "--max-drop",
        "0.02",
        "--format",
        "junit",
        "-o",
        join(dir, "x.xml"),
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("--max-drop 0.02 needs --baseline to compare with: best (the leaderboard's top)");
      expect(result.stdout).toBe("");
      expect(Number(await runs())).toBe(before);
      expect(existsSync(join(dir, "x.xml"))).toBe(false);
    } finally {
      await closeWorkspace(ws);
    }
  });
});

describe("tunelab eval's report format", () => {
  it("refuses --json with another --format (it wrote JSON into the JUnit file) before anything is scored", async () => {
    const file = join(dir, "mixed.xml");
    const result = await tunelab([
      "--json",
      "eval",
      "--provider",
      "hosted",
      "-m",
      "good",
      "-p",
      "tickets",
      "--format",
      "junit",
      "-o",
      file,
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("--json asks for the JSON report but --format junit for another; give one of them");
    expect(existsSync(file)).toBe(false);
    // --json with --format json, or alone, is the JSON report
    const json = await tunelabEval(["--json", "-m", "good", "-p", "tickets", "--format", "json"]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ passed: true, primaryMetric: "exact" });
  });

  it("-o /dev/stdout (piped, or redirected to a file, as a CI step does) is written as it is, not replaced", async () => {
    // through a shell, as a CI step runs it (a child process's own stdout here is a socket, which /dev/stdout cannot open)
    const out = join(dir, "piped.xml");
    const step = `"${process.execPath}" "${BIN}" eval --provider hosted -m good -p tickets --format junit -o /dev/stdout`;
    for (const command of [`${step} | cat > "${out}"`, `${step} > "${out}"`]) {
      const shell = spawn("bash", ["-c", command], { cwd: dir, env: { ...process.env, TUNELAB_HOME: home, ...env }, stdio: "ignore" });
      expect(await new Promise((resolve) => shell.on("exit", resolve)), command).toBe(0);
      expect(readFileSync(out, "utf8"), command).toContain("<testsuites");
    }
  });

  it("a table report written to a file holds no colour codes, though CI's log (stdout) gets them", async () => {
    const file = join(dir, "table.txt");
    const { NO_COLOR: _, ...inherited } = process.env;
    const colours = { ...inherited, TUNELAB_HOME: home, ...env, CI: "true", FORCE_COLOR: "1" };
    const run = (args: string[]) => {
      const child = spawn(process.execPath, [BIN, "eval", "--provider", "hosted", "-m", "good", "-p", "tickets", ...args], {
        cwd: dir,
        env: colours,
      });
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      return new Promise<{ code: number | null; stdout: string }>((resolve) => child.on("exit", (code) => resolve({ code, stdout })));
    };
    const logged = await run([]);
    expect(logged.code).toBe(0);
    expect(logged.stdout).toContain("\u001b[32m"); // coloured where a CI log shows colours
    expect((await run(["-o", file])).code).toBe(0);
    const written = readFileSync(file, "utf8");
    expect(written).toContain("PASSED good");
    expect(written).not.toContain("\u001b");
  });

  it("a report that cannot be written whole (a full disk) leaves the earlier report as it was, never a half-written one", async (ctx) => {
    // a small disk of its own: a 64 KiB tmpfs (mounting needs root, as CI runs)
    const disk = join(dir, "small-disk");
    mkdirSync(disk);
    if (spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", disk]).status !== 0) return ctx.skip();
    try {
      const file = join(disk, "eval.xml");
      writeFileSync(file, "<previous/>\n");
      const { bavail, bsize } = statfsSync(disk);
      writeFileSync(join(disk, "filler"), Buffer.alloc(bavail * bsize - 4096)); // 4 KiB left: less than the report
      const result = await tunelabEval(["-m", "nasty", "-p", "tickets", "--trials", "3", "--format", "junit", "-o", file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`cannot write the report to ${file}: ENOSPC`);
      expect(result.stdout).toContain("<testsuites");
      expect(readFileSync(file, "utf8")).toBe("<previous/>\n");
      expect(readdirSync(disk).sort()).toEqual(["eval.xml", "filler"]);
    } finally {
      spawnSync("umount", [disk]);
    }
  });
});
