// `tunelab compare`'s per-tag breakdown and "both failed" list, through the real CLI on a workspace written by core
// (no training): 12 tagged test items, two runs whose pass/fail per item is set below, so every figure is known.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkspace, createExperiment, importDataset, openWorkspace, saveGraderSet, setTestSplit, type Workspace } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scoreExperiment } from "../../../packages/core/src/test-support/score-experiment.ts";
import { runCli } from "./run-cli.ts";

const PROJECT = "router";
const ITEMS = 12;
// items 1-6 billing, 7-12 bug, every third one urgent too
const tagsOf = (i: number) => [i <= 6 ? "billing" : "bug", ...(i % 3 === 0 ? ["urgent"] : [])];
const PASS_A = new Set([1, 2, 3, 7]);
const PASS_B = new Set([1, 2, 3, 4, 5, 8, 9, 10]);
const answer = (i: number) => (i <= 6 ? "billing" : "bug");

const chat = (user: string, assistant: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    messages: [
      { role: "system", content: "Route the ticket." },
      { role: "user", content: user },
      { role: "assistant", content: assistant },
    ],
    ...extra,
  });
const jsonl = (lines: string[]) => `${lines.join("\n")}\n`;

async function seed(ws: Workspace): Promise<{ a: string; b: string }> {
  const test = Array.from({ length: ITEMS }, (_, k) => chat(`test ticket ${k + 1}`, answer(k + 1), { tags: tagsOf(k + 1) }));
  await setTestSplit(ws, { project: PROJECT, text: jsonl(test), fileName: "test.jsonl" });
  await saveGraderSet(ws, PROJECT, {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  const train = Array.from({ length: 40 }, (_, i) => chat(`training ticket ${i}`, i % 2 ? "billing" : "bug"));
  await importDataset(ws, { project: PROJECT, dataset: "train", text: jsonl(train), fileName: "train.jsonl" });
  const scored = async (name: string, epochs: number, passes: Set<number>) => {
    const { experiment } = await createExperiment(ws, {
      project: PROJECT,
      dataset: "train@1",
      model: "local-tiny",
      name,
      hyperparameters: { n_epochs: epochs },
    });
    await scoreExperiment(
      ws,
      experiment.id,
      Array.from({ length: ITEMS }, (_, k) => {
        const i = k + 1;
        const pass = passes.has(i);
        return {
          itemId: String(i),
          tags: tagsOf(i),
          output: pass ? answer(i) : "refund",
          grades: { exact: { score: pass ? 1 : 0, passed: pass } },
        };
      }),
      { model: `ft:${name}` },
    );
    return experiment.id;
  };
  return { a: await scored("two-epochs", 2, PASS_A), b: await scored("four-epochs", 4, PASS_B) };
}

let dir: string;
let home: string;
let ids: { a: string; b: string };
const cli = (args: string[]) => runCli(args, { home, cwd: dir });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-compare-tags-"));
  home = join(dir, ".tunelab");
  const ws = await openWorkspace(home);
  ids = await seed(ws);
  await closeWorkspace(ws);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface TagRow {
  tag: string;
  n: number;
  meanA: number;
  meanB: number;
  delta: { mean: number; ci: { low: number; high: number }; pValue: number };
  regressed: number;
  improved: number;
  bothFailed: number;
}
const cells = (line: string) =>
  line
    .split("│")
    .slice(1, -1)
    .map((c) => c.trim());

describe("tunelab compare: per tag and both failed", () => {
  it("--json gives each tag's n, means, paired delta with interval and p-value, and the items both runs failed", () => {
    const result = cli(["compare", ids.a, ids.b, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const c = result.json() as { byTag: TagRow[]; bothFailed: Array<{ itemId: string; input: string; outputA: string; outputB: string }> };
    expect(c.byTag.map((t) => [t.tag, t.n, t.meanA, t.meanB, t.regressed, t.improved, t.bothFailed])).toEqual([
      // billing 1-6: A passes 1-3, B 1-5
      ["billing", 6, 3 / 6, 5 / 6, 0, 2, 1],
      // bug 7-12: A passes 7, B 8-10
      ["bug", 6, 1 / 6, 3 / 6, 1, 3, 2],
      // urgent 3, 6, 9, 12: A passes 3, B 3 and 9
      ["urgent", 4, 1 / 4, 2 / 4, 0, 1, 2],
    ]);
    for (const t of c.byTag) {
      expect(t.delta.mean).toBeCloseTo(t.meanB - t.meanA, 12);
      expect(t.delta.ci.low).toBeLessThanOrEqual(t.delta.mean);
      expect(t.delta.ci.high).toBeGreaterThanOrEqual(t.delta.mean);
      expect(t.delta.pValue).toBeGreaterThan(0);
      expect(t.delta.pValue).toBeLessThanOrEqual(1);
    }
    expect(c.bothFailed.map((i) => i.itemId)).toEqual(["6", "11", "12"]);
    expect(c.bothFailed[0]).toMatchObject({ input: "test ticket 6", outputA: "refund", outputB: "refund" });
  });

  it("prints the per-tag table and the both-failed list", () => {
    const result = cli(["compare", "two-epochs", "four-epochs", "--items", "2"]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split("\n");
    const head = lines.findIndex((l) => l.startsWith("per tag on exact"));
    expect(head).toBeGreaterThan(0);
    const header = cells(lines.find((l, i) => i > head && cells(l)[0] === "tag") ?? "");
    expect(header).toEqual(["tag", "n", "A", "B", "Δ (B−A)", "95% CI", "p (paired)", "regressed/improved", "both failed"]);
    const bug = cells(lines.find((l, i) => i > head && cells(l)[0] === "bug") ?? "");
    expect(bug.slice(0, 5)).toEqual(["bug", "6", "0.167", "0.500", "+0.333"]);
    expect(bug[5]).toMatch(/^\[[+-]\d\.\d{3}, [+-]\d\.\d{3}\]$/);
    expect(bug.slice(7)).toEqual(["1/3", "2"]);
    expect(result.stdout).toContain("both failed on exact (fails in A and in B): 3");
    expect(result.stdout).toContain("#6 test ticket 6");
    expect(result.stdout).toContain("#11 test ticket 11");
    expect(result.stdout).not.toContain("#12 test ticket 12"); // --items 2
    expect(result.stdout).toContain("… 1 more (--items N or --json)");
  });
});
