// A grader stuck on a sample (a regular expression with nested quantifiers backtracks exponentially on a long
// non-matching text) used to hold an eval run for ever, and in a small run it blocked the main thread: an API server
// running the run froze. Such graders are now graded in a worker thread with a deadline, however small the run, and the
// run fails at the deadline naming the items. The patterns below take seconds on 27 characters and double with each
// one more; the deadlines are a few hundred milliseconds.
import { afterEach, describe, expect, it } from "vitest";
import { chatItem } from "../../../test/eval-fixtures.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../../../test/fake-openai.ts";
import { bindGrader, parseGraderConfig } from "../../graders/registry.ts";
import { testGrader } from "../../graders/test-grader.ts";
import { toSample } from "../../item.ts";
import { runEval } from "../run-eval.ts";
import { GradingPool } from "./grading-pool.ts";
import { testGraderOffThread } from "./test-off-thread.ts";

const STUCK = `${"a".repeat(27)}b`;
const nested = parseGraderConfig({ type: "regex", name: "nested", pattern: "^(a+)+$" });
const schemaPattern = parseGraderConfig({
  type: "json_schema",
  name: "shape",
  schema: { type: "object", properties: { code: { type: "string", pattern: "^(a+)+$" } } },
});

let server: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("a grader stuck on a sample", () => {
  it("fails the pool at its deadline, naming the items, and the pool's worker is stopped", async () => {
    const pool = new GradingPool([nested], 1, undefined, { deadlineMs: 300 });
    try {
      const grading = pool.grade(toSample(STUCK), chatItem("item-7", "p", "r"));
      await expect(grading).rejects.toThrow(/longer than 0\.3 s on 1 sample\(s\) \(items item-7\).*nested quantifiers/);
      // what comes later is refused at once rather than queued behind the stuck thread
      await expect(pool.grade(toSample("aaa"), chatItem("item-8", "p", "r"))).rejects.toThrow(/longer than 0\.3 s/);
    } finally {
      await pool.close();
    }
  });

  it.each([
    ["a regex grader", nested, STUCK],
    ["a JSON Schema pattern", schemaPattern, JSON.stringify({ code: STUCK })],
  ])("in a run of two items, with %s, fails the run at the deadline instead of blocking this thread", async (_, config, answer) => {
    const fake = await startFakeOpenAI({ answer: () => answer });
    server = fake;
    const run = runEval({
      items: [chatItem("first", "p1", "r"), chatItem("second", "p2", "r")],
      sampler: { client: fake.client(), model: "m" },
      graders: [bindGrader(config)],
      gradingDeadlineMs: 300,
    });
    await expect(run).rejects.toThrow(/longer than 0\.3 s on .*items .*(first|second)/);
  });
});

describe("trying a grader off the thread (POST /api/graders/test)", () => {
  it("answers a pure grader as testGrader does, graded in a worker", async () => {
    const input = { grader: { type: "regex", name: "digits", pattern: "^\\d+$" }, sample: "123" };
    const there = await testGraderOffThread(input);
    expect(there).toEqual(await testGrader(input));
    expect(there.passed).toBe(true);
  });

  it("refuses a grader stuck on the sample at the deadline instead of blocking the thread", async () => {
    const started = { ticks: 0 };
    const ticking = setInterval(() => started.ticks++, 20);
    try {
      await expect(
        testGraderOffThread({ grader: { type: "regex", name: "nested", pattern: "^(a+)+$" }, sample: STUCK }, 300),
      ).rejects.toThrow(/longer than 0\.3 s.*nested quantifiers/);
      // this thread kept turning meanwhile
      expect(started.ticks).toBeGreaterThan(0);
    } finally {
      clearInterval(ticking);
    }
  });
});
