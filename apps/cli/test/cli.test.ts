import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const TOY = fileURLToPath(new URL("../../../examples/openai-cookbook/toy_chat_fine_tuning.jsonl", import.meta.url));
const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));

let dir: string;
let home: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-cli-"));
  home = join(dir, "home");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ticket = (user: string, label: string) =>
  JSON.stringify({
    messages: [
      { role: "system", content: "Route the ticket." },
      { role: "user", content: user },
      { role: "assistant", content: label },
    ],
  });

describe("tunelab data validate", () => {
  it("reports OpenAI's warnings on the cookbook file and exits 0", () => {
    const human = runCli(["data", "validate", TOY, "--context", "4096"], { home });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("valid supervised data, 5 examples");
    expect(human.stdout).toMatch(/line 3\s+warning missing_system_message/);
    expect(human.stdout).toMatch(/line 5\s+warning over_context_limit example has 8,0\d\d tokens/);

    const json = runCli(["data", "validate", TOY, "--json"], { home }).json() as { errors: number; stats: { epochs: number } };
    expect(json).toMatchObject({ errors: 0, stats: { epochs: 20 } });
  });

  it("exits 1 and names the file, line and field of each error", () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, `${ticket("hello", "x")}\n{"messages": [{"role": "bot", "content": "hi"}]}\nnot json\n`);
    const result = runCli(["data", "validate", bad], { home });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("bad.jsonl: 2 errors");
    expect(result.stdout).toMatch(/line 2\s+error\s+unrecognized_role messages\[0\]\.role: role "bot" is not one of/);
    expect(result.stdout).toMatch(/line 3\s+error\s+invalid_json/);
  });

  it("validates the bundled CMU dictionary example (a real public dataset)", () => {
    const file = fileURLToPath(new URL("../../../examples/cmudict/train.jsonl", import.meta.url));
    const report = runCli(["data", "validate", file, "--json"], { home }).json() as { errors: number; examples: number; format: string };
    expect(report).toMatchObject({ errors: 0, examples: 2000, format: "supervised" });
  });

  it("exits 2 on usage errors and on a missing file", () => {
    expect(runCli(["data", "validate"], { home }).code).toBe(2);
    const missing = runCli(["data", "validate", join(dir, "nope.jsonl")], { home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("file not found");
    expect(runCli(["--help"], { home }).code).toBe(0);
  });
});

describe("the dataset workflow from the command line", () => {
  it("splits, imports, lists, shows, diffs and exports, round-tripping the canonical form", () => {
    const split = runCli(["split", `${EXAMPLES}test.jsonl`, "--project", "tickets", "--json"], { home });
    expect(split.code).toBe(0);
    expect(split.json()).toMatchObject({ status: "created", test: { ref: "test@1" } });

    const v1 = runCli(["data", "import", `${EXAMPLES}train-v1.jsonl`, "-p", "tickets", "-d", "train", "-m", "v1", "--json"], { home });
    expect(v1.code).toBe(0);
    expect(v1.json()).toMatchObject({ status: "created", version: { ref: "train@1", exampleCount: 120 }, leakage: { exact: [] } });
    const v2 = runCli(["data", "add", `${EXAMPLES}train-v2.jsonl`, "-d", "train"], { home });
    expect(v2.code).toBe(0);
    expect(v2.stdout).toContain("stored train@2");
    const again = runCli(["data", "import", `${EXAMPLES}train-v2.jsonl`, "-d", "train"], { home });
    expect(again.stdout).toContain("unchanged: this content is already train@2");
    const splitAgain = runCli(["split", `${EXAMPLES}test.jsonl`], { home });
    expect(splitAgain.code).toBe(0);
    expect(splitAgain.stdout).toContain("unchanged: the test split is already test@1");

    const list = runCli(["data", "list", "--json"], { home }).json() as { versions: Array<{ ref: string; examples: number }> };
    expect(list.versions.map((v) => [v.ref, v.examples])).toEqual([
      ["test@1", 100],
      ["train@1", 120],
      ["train@2", 480],
    ]);
    const show = runCli(["data", "show", "train@2"], { home });
    expect(show.stdout).toContain("train@2 · supervised · 480 examples");
    expect(show.stdout).toContain("parent train@1");

    const diff = runCli(["data", "diff", "train@1", "train@2", "--json"], { home }).json() as {
      added: unknown[];
      removed: unknown[];
      unchanged: number;
    };
    expect([diff.added.length, diff.removed.length, diff.unchanged]).toEqual([360, 0, 120]);

    const out = join(dir, "train2.jsonl");
    expect(runCli(["data", "export", "train@2", "-o", out], { home }).code).toBe(0);
    const reimport = runCli(["data", "import", out, "-d", "train", "--json"], { home }).json();
    expect(reimport).toMatchObject({ status: "unchanged", version: { ref: "train@2" } });
    expect(readFileSync(out, "utf8").split("\n")).toHaveLength(481);

    const unknown = runCli(["data", "show", "train@9"], { home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no version train@9 (latest is train@2)");
  });

  it("creates an experiment with the local engine's prompt loss weight, and refuses one out of range", () => {
    const created = runCli(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--prompt-loss-weight", "0", "--no-run", "--json"], {
      home,
    });
    expect(created.code, created.stderr).toBe(0);
    expect(created.json()).toMatchObject({ status: "created", hyperparameters: { requested: { prompt_loss_weight: 0 } } });
    expect((created.json() as { name: string }).name).toContain("plw=0");
    const bad = runCli(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--prompt-loss-weight", "2", "--no-run"], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("prompt_loss_weight");
  });
});
