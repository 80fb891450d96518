// `tunelab samples`: an eval run's samples read from the command line, as the web's item view shows them, after a
// baseline of a hosted model scored in a real CLI process against a loopback replica of OpenAI's API (it answers
// "Maybe", so every item fails). Refs are those compare takes; bad options are refused before any work.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HostedTickets, hostedTickets } from "./hosted-tickets.ts";

const MODEL = "gpt-4o-mini";
let w: HostedTickets;
let experimentId: string;
let runId: string;

beforeAll(async () => {
  w = await hostedTickets({ prefix: "tunelab-samples-", items: 3, models: [MODEL] });
  const done = await w.cli(["baseline", "--model", MODEL, "--provider", "openai", "--json"]);
  expect(done.code, done.stderr).toBe(0);
  ({ id: experimentId, evalRunId: runId } = JSON.parse(done.stdout) as { id: string; evalRunId: string });
}, 300_000);
afterAll(async () => w?.close());

interface Page {
  runId: string;
  experimentId: string | null;
  model: string;
  total: number;
  offset: number;
  data: Array<{ itemId: string; status: string; output: string | null; reference: string | null; prompt: string; grades: object }>;
}

describe("tunelab samples", () => {
  it("shows each sample's input, output, reference, grades and why it failed, by experiment or by rank", async () => {
    const shown = await w.cli(["samples", experimentId]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`eval run ${runId} · ${MODEL}: samples 1-3 of 3`);
    expect(shown.stdout).toMatch(/item 1 · failed · /);
    expect(shown.stdout).toMatch(/\n {2}output {5}Maybe\n/);
    expect(shown.stdout).toMatch(/\n {2}reference {2}\{"category":/);
    expect(shown.stdout).toMatch(/\n {2}fields {5}output is not JSON/);

    const byRank = await w.cli(["samples", "1", "--json"]);
    expect(byRank.code, byRank.stderr).toBe(0);
    const page = JSON.parse(byRank.stdout) as Page;
    expect(page).toMatchObject({ runId, experimentId, model: MODEL, total: 3, offset: 0 });
    expect(page.data.map((s) => [s.itemId, s.status, s.output])).toEqual([
      ["1", "failed", "Maybe"],
      ["2", "failed", "Maybe"],
      ["3", "failed", "Maybe"],
    ]);
  }, 120_000);

  it("filters, searches and pages, saying what follows", async () => {
    const paged = await w.cli(["samples", runId, "--limit", "2"]);
    expect(paged.stdout).toContain("samples 1-2 of 3");
    expect(paged.stdout).toContain("1 more: --offset 2");
    const second = JSON.parse((await w.cli(["samples", runId, "--offset", "2", "--json"])).stdout) as Page;
    expect(second.data.map((s) => s.itemId)).toEqual(["3"]);
    const none = await w.cli(["samples", runId, "--status", "passed"]);
    expect(none.stdout).toContain("no sample matches (passed)");
    const first = JSON.parse((await w.cli(["samples", runId, "--json"])).stdout) as Page;
    const word = (first.data[1]?.prompt ?? "").split(/\s+/).find((t) => t.length > 6) as string;
    const found = JSON.parse((await w.cli(["samples", runId, "--search", word, "--json"])).stdout) as Page;
    expect(found.data.map((s) => s.itemId)).toContain("2");
    expect(found.data.every((s) => `${s.prompt} ${s.output} ${s.reference}`.toLowerCase().includes(word.toLowerCase()))).toBe(true);
  }, 120_000);

  it("refuses a bad option or an unknown ref before reading anything, naming what it takes", async () => {
    const status = await w.cli(["samples", runId, "--status", "wrong"]);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain("Allowed choices are passed, failed, errored");
    const limit = await w.cli(["samples", runId, "--limit", "0"]);
    expect(limit.code).toBe(2);
    const grader = await w.cli(["samples", runId, "--sort", "grader:feilds"]);
    expect(grader.code).toBe(2);
    expect(grader.stderr).toContain("the run has no grader feilds (did you mean fields?)");
    const unknown = await w.cli(["samples", "exp_doesnotexist"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"exp_doesnotexist" is neither an experiment nor an eval run');
  }, 120_000);
});
