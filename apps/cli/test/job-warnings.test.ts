// The provider job's warnings reach the user of the CLI: on the embedded engine, a training file with examples longer
// than local-tiny's 256-token context trains (each on its last tokens), `exp create` prints the job's warning as it
// comes, and the experiment keeps it (`exp show`, and its JSON). An experiment whose examples fit has none.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXACT_GRADER, runCli, runSteps } from "./run-cli.ts";

let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir });
/** A ticket of `words` distinct numbered words (several tokens each, whatever the tokenizer learns). */
const line = (i: number, words: number) =>
  JSON.stringify({
    messages: [
      {
        role: "user",
        content: `Route ticket ${i}: ${Array.from({ length: words }, (_, w) => `w${(i * 7919 + w * 104_729) % 100_000}`).join(" ")}`,
      },
      { role: "assistant", content: i % 2 === 0 ? "billing" : "bug" },
    ],
  });
const file = (name: string, lines: string[]) => {
  writeFileSync(join(dir, name), `${lines.join("\n")}\n`);
  return join(dir, name);
};
const WARNING =
  /^2 of 10 training examples are longer than the model's training context of 256 tokens \(the longest: \d+ tokens\); each is trained on its last 256 tokens/;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-job-warnings-"));
  home = join(dir, ".tunelab");
  writeFileSync(join(dir, "graders.json"), JSON.stringify(EXACT_GRADER));
  runSteps(
    [
      [
        "split",
        file(
          "test.jsonl",
          Array.from({ length: 4 }, (_, i) => line(100 + i, 5)),
        ),
        "--project",
        "tickets",
      ],
      ["graders", "add", join(dir, "graders.json")],
      // two examples of 400 words: far over 256 tokens
      [
        "data",
        "import",
        file(
          "long.jsonl",
          Array.from({ length: 10 }, (_, i) => line(i, i < 2 ? 400 : 5)),
        ),
        "--dataset",
        "long",
      ],
      [
        "data",
        "import",
        file(
          "short.jsonl",
          Array.from({ length: 10 }, (_, i) => line(i, 5)),
        ),
        "--dataset",
        "short",
      ],
    ],
    { home, cwd: dir },
  );
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const create = (dataset: string) =>
  cli(["exp", "create", "-d", `${dataset}@1`, "-m", "local-tiny", "--epochs", "1", "--batch-size", "4", "--json"]);

describe("a provider job's warnings", () => {
  it("are printed as they come, kept with the experiment and shown by exp show", () => {
    const created = create("long");
    expect(created.code, created.stderr).toBe(0);
    // --json: progress and warnings on stderr, one line each
    const printed = created.stderr.split("\n").filter((l) => l.includes("warning"));
    expect(printed).toHaveLength(1);
    expect(printed[0]?.replace(/^.*?warning /, "")).toMatch(WARNING);
    const experiment = created.json() as { id: string; status: string; warnings: string[] };
    expect(experiment.status).toBe("completed");
    expect(experiment.warnings).toHaveLength(1);
    expect(experiment.warnings[0]).toMatch(WARNING);

    const shown = cli(["exp", "show", experiment.id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`warning ${experiment.warnings[0]}`);
    const json = cli(["exp", "show", experiment.id, "--json"]);
    expect((json.json() as { warnings: string[] }).warnings).toEqual(experiment.warnings);
  }, 240_000);

  it("are none when every example fits the model's context", () => {
    const created = create("short");
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).not.toMatch(/warning/);
    expect((created.json() as { warnings: string[] }).warnings).toEqual([]);
  }, 240_000);
});
