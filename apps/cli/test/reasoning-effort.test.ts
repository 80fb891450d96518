// `--reasoning-effort` on `tunelab baseline` and `tunelab eval` in real CLI processes, against a loopback replica of
// OpenAI's API (in this process, so the CLI runs asynchronously): a reasoning model gets reasoning_effort in every chat
// completion and the experiment says so; a model that does not reason refuses it with OpenAI's 400, is asked without it
// and the report says so; a level OpenAI does not have is refused before any work.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeAzure } from "../../../packages/core/src/test-support/fake-azure-openai.ts";
import { type HostedTickets, hostedTickets } from "./hosted-tickets.ts";
import { runCli } from "./run-cli.ts";

const REASONING = "gpt-5-mini";
const PLAIN = "gpt-4o-mini";
let dir: string;
let fake: FakeAzure;
let env: Record<string, string>;

let w: HostedTickets;

beforeAll(async () => {
  w = await hostedTickets({ prefix: "tunelab-effort-", items: 3, models: [REASONING, PLAIN], reasoningModels: [REASONING] });
  ({ dir, env, fake } = w);
}, 300_000);
afterAll(async () => w?.close());

const cli = (args: string[]) => w.cli(args);

const chats = () => fake.requests.filter((r) => r.path.endsWith("/chat/completions")).map((r) => r.body as Record<string, unknown>);

describe("--reasoning-effort", () => {
  it("is refused before any work when it is not one of OpenAI's levels, naming the option and the levels", () => {
    const fresh = join(dir, "fresh", ".tunelab");
    for (const command of [["eval"], ["baseline"]]) {
      const result = runCli([...command, "--model", REASONING, "--provider", "openai", "--reasoning-effort", "extreme"], {
        home: fresh,
        cwd: dir,
        env,
      });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(
        "option '--reasoning-effort <level>' argument 'extreme' is invalid. Allowed choices are none, minimal, low, medium, high, xhigh, max.",
      );
    }
    expect(existsSync(fresh)).toBe(false);
    expect(chats()).toEqual([]);
  }, 120_000);

  it("baseline: every completion of a reasoning model carries it, and `exp show` says the experiment was scored with it", async () => {
    fake.requests.length = 0;
    const done = await cli(["baseline", "--model", REASONING, "--provider", "openai", "--reasoning-effort", "high", "--json"]);
    expect(done.code, done.stderr).toBe(0);
    const experiment = JSON.parse(done.stdout) as { id: string; status: string; evaluation: unknown; evalRunId: string };
    expect(experiment.status).toBe("completed");
    expect(experiment.evaluation).toMatchObject({ reasoningEffort: "high" });
    const answered = chats().filter((body) => !("max_tokens" in body) && !("temperature" in body));
    expect(answered).toHaveLength(3);
    expect(chats().every((body) => body.reasoning_effort === "high")).toBe(true);

    const shown = await cli(["exp", "show", experiment.id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("scored with 1 trial per item, reasoning effort high");
  }, 300_000);

  it("eval: a model that refuses it is asked without it, and the report says the run asked for it and left it out", async () => {
    fake.requests.length = 0;
    const done = await cli(["eval", "--model", PLAIN, "--provider", "openai", "--reasoning-effort", "low"]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain("reasoning effort low");
    expect(done.stdout).toContain(
      `note: ${PLAIN} does not accept reasoning_effort (it is not a reasoning model): sent without reasoning_effort "low"`,
    );
    // refused (OpenAI's 400) by the requests in flight when it was first refused, then each item asked without it
    const refused = chats().filter((body) => body.reasoning_effort === "low").length;
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(refused).toBeLessThanOrEqual(3);
    expect(chats().filter((body) => !("reasoning_effort" in body))).toHaveLength(3);

    const json = await cli(["eval", "--model", PLAIN, "--provider", "openai", "--reasoning-effort", "low", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const gate = JSON.parse(json.stdout) as { run: { samplingParams: Record<string, unknown>; samplingNotes: string[] } };
    expect(gate.run.samplingParams).toMatchObject({ reasoning_effort: "low" });
    expect(gate.run.samplingNotes).toHaveLength(1);
  }, 300_000);
});
