import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkspace, openWorkspace, type Workspace } from "../storage/workspace.ts";

/** A real workspace (SQLite file with migrations applied + blob store) in a fresh temp directory. */
export async function tempWorkspace(): Promise<Workspace & { dispose: () => Promise<void> }> {
  const home = mkdtempSync(join(tmpdir(), "tunelab-test-"));
  const ws = await openWorkspace(home);
  return {
    ...ws,
    dispose: async () => {
      await closeWorkspace(ws);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export { chat, jsonl } from "@tunelab/formats/test-support";
