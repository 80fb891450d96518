// The CLI against a hosted provider's training API: `tunelab exp create --provider together` in a real child
// process, through createServices' trainer adapters, to a loopback replica of Together's documented API (in this
// process, so the CLI runs asynchronously); then the leaderboard shows the experiment with its estimated cost.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeTogether, startFakeTogether } from "../../../packages/core/src/test-support/fake-together.ts";
import { runCli, startCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const MODEL = "meta-llama/Llama-3.2-1B-Instruct";
let dir: string;
let home: string;
let fake: FakeTogether;
const env = { TOGETHER_API_KEY: "tk-cli" };

beforeAll(async () => {
  fake = await startFakeTogether({ apiKey: "tk-cli", models: [MODEL], steps: 2 });
  dir = mkdtempSync(join(tmpdir(), "tunelab-hosted-"));
  home = join(dir, ".tunelab");
  writeFileSync(
    join(dir, "tunelab.config.json"),
    JSON.stringify({ providers: { together: { kind: "together", baseURL: fake.baseURL, apiKeyEnv: "TOGETHER_API_KEY" } } }),
  );
  const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 4);
  writeFileSync(join(dir, "test.jsonl"), `${items.join("\n")}\n`);
  for (const args of [
    ["split", join(dir, "test.jsonl"), "--project", "tickets"],
    ["data", "import", `${EXAMPLES}train-v1.jsonl`, "-d", "train"],
    ["graders", "add", `${EXAMPLES}graders.json`],
  ]) {
    const done = runCli(args, { home, cwd: dir, env }); // no request reaches the fake during setup
    expect(done.code, done.stderr).toBe(0);
  }
}, 300_000);
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("tunelab exp create --provider together", () => {
  it("uploads, trains on the provider's job API, scores the tuned model and ranks it with a cost", async () => {
    const cli = startCli(["exp", "create", "-d", "train@1", "-m", MODEL, "--provider", "together", "--epochs", "2", "--json"], {
      home,
      cwd: dir,
      env,
    });
    const code = await cli.exited;
    const { stdout, stderr } = cli.output();
    expect(code, stderr).toBe(0);
    expect(fake.refused).toEqual([]);
    const experiment = JSON.parse(stdout) as { id: string; status: string; tunedModel: string; providerJobId: string };
    expect(experiment.status).toBe("completed");
    expect(fake.jobs.get(experiment.providerJobId)?.status).toBe("completed");
    expect(experiment.tunedModel).toBe(`fake-org/Llama-3.2-1B-Instruct-tl-${experiment.id.slice(4)}`);
    expect(fake.requests.filter((r) => r.method === "POST" && r.path === "/v1/fine-tunes")).toHaveLength(1);
    expect(fake.requests.filter((r) => r.path === "/v1/chat/completions")).toHaveLength(4);

    const board = startCli(["leaderboard", "--json"], { home, cwd: dir, env });
    expect(await board.exited, board.output().stderr).toBe(0);
    const rows = (JSON.parse(board.output().stdout) as { rows: Array<{ experimentId: string; provider: string; costUsd: number | null }> })
      .rows;
    const row = rows.find((r) => r.experimentId === experiment.id);
    expect(row?.provider).toBe("together");
    expect(row?.costUsd).toBeGreaterThan(0);
  }, 300_000);
});
