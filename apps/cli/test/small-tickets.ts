// A workspace for CLI tests that train: the ticket-routing example's first 4 test items as the "tickets" project's test
// split, train-v1 imported as train@1 and the example's graders, in a fresh temp folder (its `.tunelab` is the home).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runSteps } from "./run-cli.ts";

export const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));

export interface SmallTickets {
  dir: string;
  home: string;
  remove(): void;
}

export function smallTickets(prefix: string): SmallTickets {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const home = join(dir, ".tunelab");
  const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 4);
  writeFileSync(join(dir, "test.jsonl"), `${items.join("\n")}\n`);
  runSteps(
    [
      ["split", join(dir, "test.jsonl"), "--project", "tickets"],
      ["data", "import", `${EXAMPLES}train-v1.jsonl`, "--dataset", "train"],
      ["graders", "add", `${EXAMPLES}graders.json`],
    ],
    { home, cwd: dir },
  );
  return { dir, home, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
