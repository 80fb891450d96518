import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../src/program.ts";
import { parseError } from "./parse-command.ts";
import { runCli } from "./run-cli.ts";
import {
  argvOf,
  type Suggestion,
  suggestionsInHelp,
  suggestionsInMarkdown,
  suggestionsInOutput,
  suggestionsInSources,
} from "./suggested-commands.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const EXAMPLES = join(REPO, "examples/ticket-routing/");

/** Every `tunelab …` line the product tells a user to type: CLI messages, help, core's errors, web empty states, API errors. */
async function allSuggestions(): Promise<Suggestion[]> {
  return [
    ...suggestionsInSources(REPO, ["apps/cli/src", "packages/core/src", "apps/web/src", "packages/api/src"]),
    ...suggestionsInHelp(await buildProgram()),
    ...suggestionsInMarkdown(REPO, "README.md"),
  ];
}

const suggestions = await allSuggestions();

describe("every command the product suggests", () => {
  it("is found wherever it is written", () => {
    expect(suggestions.length).toBeGreaterThan(80);
    const at = (where: string) => suggestions.filter((s) => s.where.startsWith(where)).map((s) => s.command);
    expect(at("apps/web/src/pages/Datasets.tsx")).toContain("tunelab data import train.jsonl --project X --dataset train");
    expect(at("apps/web/src/pages/Leaderboard.tsx")).toContain("tunelab baseline --model local-tiny");
    expect(at("apps/cli/src/commands/leaderboard.ts")).toContain("tunelab exp create --dataset train@1 --model local-small");
    expect(at("packages/core/src/grader-sets/evaluation-setup.ts")).toContain("tunelab split FILE --project P");
    expect(at("tunelab demo --help")).toContain("tunelab demo --model local-tiny --epochs 2");
    expect(at("tunelab serve --help")).toContain("tunelab serve --host 0.0.0.0 --port 8787");
    expect(at("README.md")).toContain('tunelab eval --model "$MODEL" --baseline best --max-drop 0.02 --format junit -o eval.xml');
  });

  it("names a command that exists, with its required arguments and options", async () => {
    const refused: string[] = [];
    for (const s of suggestions)
      for (const argv of argvOf(s.command)) {
        const error = await parseError(argv);
        if (error) refused.push(`${s.where}: \`tunelab ${argv.join(" ")}\`: ${error}`);
      }
    expect(refused).toEqual([]);
  });

  it("would be refused if it named a missing command or left out a required option", async () => {
    expect(await parseError(["exp", "baseline"])).toContain("unknown command 'baseline'");
    expect(await parseError(["data", "import", "train.jsonl"])).toContain("required option '-d, --dataset <name>' not specified");
    expect(await parseError(["data", "export", "train@1"])).toContain("required option '-o, --output <file>' not specified");
    expect(await parseError(["graders", "test"])).toContain("required option '-g, --grader <file|json>' not specified");
    expect(await parseError(["exp", "run"])).toContain("missing required argument 'ids'");
    expect(await parseError(["leaderboard", "--method", "nope"])).toContain("Allowed choices are");
    expect(await parseError(["data", "import", "train.jsonl", "--dataset", "train"])).toBeNull();
  });
});

describe("a newcomer who types what the CLI suggests", () => {
  let dir: string;
  let home: string;
  const cli = (args: string[]) => runCli(args, { home, cwd: dir });
  /** Runs the one suggestion of `output` that starts with `prefix`, its placeholders filled in. */
  const follow = (output: string, prefix: string, fill: Record<string, string> = {}) => {
    const suggestion = suggestionsInOutput(output).find((s) => s.startsWith(prefix));
    expect(suggestion, `no \`${prefix}…\` suggested in: ${output}`).toBeDefined();
    const [argv] = argvOf(suggestion ?? "");
    return cli((argv ?? []).map((word) => fill[word] ?? word));
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tunelab-suggested-"));
    home = join(dir, ".tunelab");
    const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 8);
    writeFileSync(join(dir, "test.jsonl"), `${items.join("\n")}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gets from an empty home to a scored baseline and a created experiment", () => {
    const projects = cli(["project", "list"]);
    const created = follow(projects.stdout, "tunelab project create", { NAME: "tickets" });
    expect(created.code, created.stderr).toBe(0);

    const data = cli(["data", "list"]);
    const imported = follow(data.stdout, "tunelab data import", { FILE: `${EXAMPLES}train-v1.jsonl` });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("stored train@1");

    const board = cli(["leaderboard"]);
    const noSplit = follow(board.stdout, "tunelab baseline");
    expect(noSplit.code).toBe(2);
    const split = follow(noSplit.stderr, "tunelab split", { FILE: join(dir, "test.jsonl"), P: "tickets" });
    expect(split.code, split.stderr).toBe(0);

    const noGraders = follow(board.stdout, "tunelab baseline");
    expect(noGraders.code).toBe(2);
    const graders = follow(noGraders.stderr, "tunelab graders add", { FILE: `${EXAMPLES}graders.json` });
    expect(graders.code, graders.stderr).toBe(0);

    const baseline = follow(board.stdout, "tunelab baseline");
    expect(baseline.code, baseline.stderr).toBe(0);
    expect(baseline.stdout).toContain("baseline of local-small");

    const [experiment] = argvOf(suggestionsInOutput(board.stdout).find((s) => s.startsWith("tunelab exp create")) ?? "");
    const queued = cli([...(experiment ?? []), "--no-run", "--json"]); // training local-small is not this test's subject
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.json()).toMatchObject({ status: "created", baseModel: "local-small" });
  }, 300_000);
});
