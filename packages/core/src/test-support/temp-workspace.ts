import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkspace, type Workspace } from "../storage/workspace.ts";
import { openTestWorkspace } from "./test-database.ts";

/**
 * A real workspace (migrations applied + blob store) in a fresh temp directory: a SQLite file there, or a fresh
 * PostgreSQL database when the tests run against PostgreSQL.
 */
export async function tempWorkspace(): Promise<Workspace & { dispose: () => Promise<void> }> {
  const home = mkdtempSync(join(tmpdir(), "tunelab-test-"));
  const ws = await openTestWorkspace(home);
  return {
    ...ws,
    dispose: async () => {
      await closeWorkspace(ws);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export { chat, jsonl } from "@tunelab/formats/test-support";
