// `tunelab data import` of a large file killed with SIGKILL while it writes the version (Ctrl-C and a machine put to
// sleep stop it as abruptly): no version is visible, and the import run again stores exactly one version and removes
// the partial file the killed process left beside the blobs (as large as the data), instead of keeping it for good.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, runSteps, startCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));

let dir: string;
let home: string;
let big: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-import-kill-"));
  home = join(dir, ".tunelab");
  // 20,000 distinct tickets (about 10 MB): the version is written in 1 MB pieces while the file is read
  const lines = readFileSync(`${EXAMPLES}train-v2.jsonl`, "utf8").split("\n").filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const example = JSON.parse(lines[i % lines.length] as string) as { messages: Array<{ content: string }> };
    (example.messages[1] as { content: string }).content += ` (ref ${i})`;
    out.push(JSON.stringify(example));
  }
  big = join(dir, "big.jsonl");
  writeFileSync(big, `${out.join("\n")}\n`);
  runSteps([["split", `${EXAMPLES}test.jsonl`, "-p", "tickets"]], { home, cwd: dir });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const blobs = () => join(home, "blobs");
const partial = () => readdirSync(blobs()).filter((name) => name.startsWith(".incoming-"));

describe("tunelab data import killed with SIGKILL while writing the version", () => {
  it("stores nothing; the next import stores one version and removes the killed one's partial file", async () => {
    const importing = startCli(["data", "import", big, "-d", "train"], { home, cwd: dir });
    // the moment that matters: part of the version is on disk, the version is not stored
    for (;;) {
      const [name] = existsSync(blobs()) ? partial() : [];
      if (name && statSync(join(blobs(), name)).size > 0) break;
      expect(importing.child.exitCode, importing.output().stderr).toBeNull();
      await new Promise((r) => setTimeout(r, 10));
    }
    importing.child.kill("SIGKILL");
    await importing.exited;
    expect(partial()).toHaveLength(1);
    const before = runCli(["data", "list", "--json"], { home, cwd: dir });
    expect((before.json() as { versions: Array<{ ref: string }> }).versions.map((v) => v.ref)).toEqual(["test@1"]);

    const again = runCli(["data", "import", big, "-d", "train", "--json"], { home, cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json()).toMatchObject({ status: "created", version: { ref: "train@1", exampleCount: 20_000 } });
    expect(partial()).toEqual([]);
    const after = runCli(["data", "list", "--json"], { home, cwd: dir });
    expect((after.json() as { versions: Array<{ ref: string }> }).versions.map((v) => v.ref)).toEqual(["test@1", "train@1"]);
    const exported = join(dir, "out.jsonl");
    expect(runCli(["data", "export", "train@1", "-o", exported], { home, cwd: dir }).code).toBe(0);
    expect(readFileSync(exported, "utf8").split("\n").filter(Boolean)).toHaveLength(20_000);
  }, 180_000); // two imports of 20,000 examples (validated and tokenized) and a few quick commands
});
