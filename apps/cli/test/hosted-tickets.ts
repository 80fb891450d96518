// A workspace for CLI tests of hosted models: the ticket-routing example's first test items as the split of project
// `tickets` and its graders, with OpenAI reached at a loopback replica of its API running in this process (so the CLI
// under test runs as an asynchronous child).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { type FakeAzure, startFakeAzure } from "../../../packages/core/src/test-support/fake-azure-openai.ts";
import { runCli, startCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));

export interface HostedTickets {
  dir: string;
  home: string;
  env: Record<string, string>;
  fake: FakeAzure;
  /** The CLI in the workspace, as a child process, once it has exited. */
  cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

export async function hostedTickets(options: {
  prefix: string;
  items: number;
  models: string[];
  reasoningModels?: string[];
}): Promise<HostedTickets> {
  const fake = await startFakeAzure({
    flavour: "openai",
    apiKey: "sk-test",
    models: options.models,
    deployments: {},
    ...(options.reasoningModels ? { reasoningModels: options.reasoningModels } : {}),
  });
  const env = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL };
  const dir = mkdtempSync(join(tmpdir(), options.prefix));
  const home = join(dir, ".tunelab");
  const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, options.items);
  writeFileSync(join(dir, "test.jsonl"), `${items.join("\n")}\n`);
  for (const args of [
    ["split", join(dir, "test.jsonl"), "--project", "tickets"],
    ["graders", "add", `${EXAMPLES}graders.json`],
  ]) {
    const done = runCli(args, { home, cwd: dir, env });
    expect(done.code, done.stderr).toBe(0);
  }
  return {
    dir,
    home,
    env,
    fake,
    cli: async (args) => {
      const child = startCli(args, { home, cwd: dir, env });
      const code = await child.exited;
      return { code, ...child.output() };
    },
    close: async () => {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
