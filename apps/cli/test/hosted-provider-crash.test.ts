// A real crash of the CLI mid-job on a hosted provider (Together, Fireworks, Azure OpenAI): `tunelab exp create
// --provider …` runs as a child process against a loopback replica of the provider's documented API (in this process),
// and is SIGKILLed twice:
// 1. after the provider stored the job but before its create response arrived (the replica holds the response), so
//    the job id never reached our database: the next `tunelab exp run ID` must find that job, not create a second;
// 2. while the replica holds the job `running` and the CLI follows it: the next run follows the same job.
// Then the replica lets the job finish; the experiment completes with the tuned model, an eval run and a leaderboard row.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeAzure, startFakeAzure } from "../../../packages/core/src/test-support/fake-azure-openai.ts";
import { type FakeFireworks, startFakeFireworks } from "../../../packages/core/src/test-support/fake-fireworks.ts";
import { type FakeTogether, startFakeTogether } from "../../../packages/core/src/test-support/fake-together.ts";
import { runCli, startCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const TOGETHER_MODEL = "meta-llama/Llama-3.2-1B-Instruct";
const ACCOUNT = "acme";
const FIREWORKS_MODEL = "accounts/fireworks/models/llama-v3p2-1b-instruct";
const AZURE_MODEL = "gpt-4o-mini-2024-07-18";
// a lapsed claim of a killed process is taken over after 2 s instead of 15
const env = { TOGETHER_API_KEY: "tk-crash", FIREWORKS_API_KEY: "fw-crash", AZURE_API_KEY: "az-crash", TUNELAB_LEASE_SECONDS: "2" };
let dir: string;
let home: string;
let together: FakeTogether;
let fireworks: FakeFireworks;
let azure: FakeAzure;

beforeAll(async () => {
  together = await startFakeTogether({ apiKey: "tk-crash", models: [TOGETHER_MODEL], steps: 2 });
  fireworks = await startFakeFireworks({ apiKey: "fw-crash", account: ACCOUNT, models: [FIREWORKS_MODEL] });
  azure = await startFakeAzure({ apiKey: "az-crash", models: [AZURE_MODEL], deployments: {} });
  dir = mkdtempSync(join(tmpdir(), "tunelab-hosted-crash-"));
  home = join(dir, ".tunelab");
  writeFileSync(
    join(dir, "tunelab.config.json"),
    JSON.stringify({
      providers: {
        together: { kind: "together", baseURL: together.baseURL, apiKeyEnv: "TOGETHER_API_KEY" },
        fireworks: { kind: "fireworks", baseURL: fireworks.baseURL, account: ACCOUNT, apiKeyEnv: "FIREWORKS_API_KEY" },
        azure: {
          kind: "azure-openai",
          baseURL: azure.baseURL,
          apiKeyEnv: "AZURE_API_KEY",
          apiVersion: "preview",
          deployments: { [`${AZURE_MODEL}.ft-*`]: "tickets-ft" },
        },
      },
    }),
  );
  const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 4);
  writeFileSync(join(dir, "test.jsonl"), `${items.join("\n")}\n`);
  for (const args of [
    ["split", join(dir, "test.jsonl"), "--project", "tickets"],
    ["data", "import", `${EXAMPLES}train-v1.jsonl`, "-d", "train"],
    ["graders", "add", `${EXAMPLES}graders.json`],
  ]) {
    const done = runCli(args, { home, cwd: dir, env }); // no request reaches a replica during setup
    expect(done.code, done.stderr).toBe(0);
  }
}, 300_000);
afterAll(async () => {
  await together?.close();
  await fireworks?.close();
  await azure?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Listed {
  id: string;
  provider: string;
  status: string;
  providerJobId: string | null;
  tunedModel: string | null;
  evalRunId: string | null;
}

/** The provider's experiment as the database holds it, read by another CLI process (no network). */
function experimentOf(provider: string): Listed {
  const list = runCli(["exp", "list", "--json"], { home, cwd: dir, env });
  expect(list.code, list.stderr).toBe(0);
  const found = (list.json() as Listed[]).filter((e) => e.provider === provider);
  expect(found).toHaveLength(1);
  return found[0] as Listed;
}

/** Waits for a condition the replica observes (a guard against a hang, not a timing assertion). */
async function until(what: string, condition: () => boolean, child?: { exitCode: number | null }): Promise<void> {
  for (let i = 0; i < 2_400; i++) {
    if (condition()) return;
    if (child && child.exitCode !== null) throw new Error(`the CLI exited (${child.exitCode}) before ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

interface Replica {
  provider: string;
  model: string;
  /** Requests the replica received, to count creations, uploads, polls and chat completions. */
  requests: () => Array<{ method: string; path: string }>;
  isCreate: (r: { method: string; path: string }) => boolean;
  isUpload: (r: { method: string; path: string }) => boolean;
  isPoll: (r: { method: string; path: string }, jobId: string) => boolean;
  isChat: (r: { method: string; path: string }) => boolean;
  jobIds: () => string[];
  jobRunning: (id: string) => boolean;
  jobCompleted: (id: string) => boolean;
  hold: (create: (() => Promise<void>) | undefined, running: boolean) => void;
  tunedModel: (experimentId: string, jobId: string) => string;
}

/** A request's path without its query (`?api-version=…`). */
const route = (r: { path: string }) => r.path.split("?")[0];

const replicas: Replica[] = [
  {
    provider: "together",
    model: TOGETHER_MODEL,
    requests: () => together.requests,
    isCreate: (r) => r.method === "POST" && r.path === "/v1/fine-tunes",
    isUpload: (r) => r.method === "POST" && r.path === "/v1/files/upload",
    isPoll: (r, id) => r.method === "GET" && r.path === `/v1/fine-tunes/${id}`,
    isChat: (r) => r.path === "/v1/chat/completions",
    jobIds: () => [...together.jobs.keys()],
    jobRunning: (id) => together.jobs.get(id)?.status === "running",
    jobCompleted: (id) => together.jobs.get(id)?.status === "completed",
    hold: (create, running) => {
      together.onCreate = create;
      together.holdRunning = running;
    },
    tunedModel: (id) => `fake-org/Llama-3.2-1B-Instruct-tl-${id.slice(4)}`,
  },
  {
    provider: "fireworks",
    model: FIREWORKS_MODEL,
    requests: () => fireworks.requests,
    isCreate: (r) => r.method === "POST" && r.path.startsWith(`/v1/accounts/${ACCOUNT}/supervisedFineTuningJobs?`),
    // a dataset is created, then its file uploaded: both count as the one upload
    isUpload: (r) => r.method === "POST" && r.path.startsWith(`/v1/accounts/${ACCOUNT}/datasets`),
    isPoll: (r, id) => r.method === "GET" && r.path === `/v1/accounts/${ACCOUNT}/supervisedFineTuningJobs/${id}`,
    isChat: (r) => r.path === "/inference/v1/chat/completions",
    jobIds: () => [...fireworks.jobs.keys()],
    jobRunning: (id) => fireworks.jobs.get(id)?.state === "JOB_STATE_RUNNING",
    jobCompleted: (id) => fireworks.jobs.get(id)?.state === "JOB_STATE_COMPLETED",
    hold: (create, running) => {
      fireworks.onCreate = create;
      fireworks.holdRunning = running;
    },
    tunedModel: (id) => `accounts/${ACCOUNT}/models/tl-${id.slice(4).toLowerCase()}`,
  },
  {
    provider: "azure",
    model: AZURE_MODEL,
    requests: () => azure.requests,
    isCreate: (r) => r.method === "POST" && route(r) === "/openai/v1/fine_tuning/jobs",
    isUpload: (r) => r.method === "POST" && route(r) === "/openai/v1/files",
    isPoll: (r, id) => r.method === "GET" && route(r) === `/openai/v1/fine_tuning/jobs/${id}`,
    isChat: (r) => route(r) === "/openai/v1/chat/completions",
    jobIds: () => [...azure.jobs.keys()],
    jobRunning: (id) => azure.jobs.get(id)?.status === "running",
    jobCompleted: (id) => azure.jobs.get(id)?.status === "succeeded",
    hold: (create, running) => {
      azure.onCreate = create
        ? (job) => {
            azure.deployments["tickets-ft"] = azure.tunedName(job); // the user deploys the tuned model, as Azure needs
            return create();
          }
        : undefined;
      azure.holdRunning = running;
    },
    tunedModel: (_id, jobId) => {
      const job = azure.jobs.get(jobId);
      return job ? azure.tunedName(job) : "(no job)";
    },
  },
];

describe("a CLI process SIGKILLed mid-job on a hosted provider", () => {
  for (const replica of replicas) {
    it(`${replica.provider}: finds its job again after the kill instead of starting a second, and completes`, async () => {
      const count = (match: (r: { method: string; path: string }) => boolean) => replica.requests().filter(match).length;

      // 1. the provider stores the job, but its create response never reaches the process: kill it there
      let releaseCreate: () => void = () => {};
      const createHeld = new Promise<void>((resolve) => {
        releaseCreate = resolve;
      });
      replica.hold(() => createHeld, true);
      let cli = startCli(["exp", "create", "-d", "train@1", "-m", replica.model, "--provider", replica.provider, "--json"], {
        home,
        cwd: dir,
        env,
      });
      await until("the replica stored a job", () => replica.jobIds().length === 1, cli.child);
      cli.child.kill("SIGKILL");
      await cli.exited;
      releaseCreate(); // the held response goes to a closed socket
      replica.hold(undefined, true);
      const jobId = replica.jobIds()[0] ?? "";
      const afterCreateKill = experimentOf(replica.provider);
      expect(afterCreateKill.providerJobId).toBeNull(); // the job id never reached the database
      expect(afterCreateKill.status).toBe("uploading");
      const id = afterCreateKill.id;

      // 2. resume in a new process; the job is held running: kill the process while it follows the job
      cli = startCli(["exp", "run", id, "--json"], { home, cwd: dir, env });
      await until("the job is running", () => replica.jobRunning(jobId), cli.child);
      const polled = count((r) => replica.isPoll(r, jobId));
      await until("the CLI polled the running job", () => count((r) => replica.isPoll(r, jobId)) > polled, cli.child);
      cli.child.kill("SIGKILL");
      await cli.exited;
      const afterRunKill = experimentOf(replica.provider);
      expect(afterRunKill.providerJobId).toBe(jobId); // found again, not created again
      expect(afterRunKill.status).toBe("training");
      expect(count(replica.isCreate)).toBe(1);

      // 3. resume again, then let the job finish
      cli = startCli(["exp", "run", id, "--json"], { home, cwd: dir, env });
      const polledBefore = count((r) => replica.isPoll(r, jobId));
      await until("the CLI polled the held job", () => count((r) => replica.isPoll(r, jobId)) > polledBefore, cli.child);
      replica.hold(undefined, false);
      const code = await cli.exited;
      const { stdout, stderr } = cli.output();
      expect(code, stderr).toBe(0);
      const [done] = JSON.parse(stdout) as Listed[];
      expect(done?.status, stderr).toBe("completed");
      expect(done?.providerJobId).toBe(jobId);
      expect(done?.tunedModel).toBe(replica.tunedModel(id, jobId));
      expect(replica.jobCompleted(jobId)).toBe(true);
      expect(replica.jobIds()).toEqual([jobId]);
      expect(count(replica.isCreate)).toBe(1);
      expect(count(replica.isUpload)).toBe(replica.provider === "fireworks" ? 2 : 1); // uploaded once
      expect(count(replica.isChat)).toBe(4); // each test item sampled once, by the tuned model

      const board = runCli(["leaderboard", "--json"], { home, cwd: dir, env });
      expect(board.code, board.stderr).toBe(0);
      const rows = (
        board.json() as {
          rows: Array<{
            experimentId: string;
            status: string;
            tunedModel: string | null;
            evalRunId: string | null;
            resultCounts: { total: number } | null;
          }>;
        }
      ).rows;
      const row = rows.find((r) => r.experimentId === id);
      expect(row?.status).toBe("completed");
      expect(row?.tunedModel).toBe(replica.tunedModel(id, jobId));
      expect(row?.evalRunId).toBe(done?.evalRunId);
      expect(row?.evalRunId).toBeTruthy();
      expect(row?.resultCounts?.total).toBe(4);
    }, 300_000);
  }
});
