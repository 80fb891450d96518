// POST /api/graders/test graded pure graders on the server's main thread: a regular expression with nested quantifiers
// on a 31-character sample froze every other request for 79 s (each more character doubles it). It now grades them in a
// worker thread with a deadline (TEST_GRADER_DEADLINE_MS): other requests are answered meanwhile, and the stuck one gets
// a 400 naming the cause. Without the change the GET below waits for the regex, which takes hours on 40 characters.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "./api-harness.ts";

let h: Awaited<ReturnType<typeof apiHarness>>;
beforeAll(async () => {
  h = await apiHarness();
});
afterAll(async () => h?.dispose());

describe("trying a grader stuck on its sample over HTTP", () => {
  it("answers other requests meanwhile, and the stuck one with a 400 at the deadline", async () => {
    const order: string[] = [];
    const stuck = h
      .call("POST", "/api/graders/test", { grader: { type: "regex", name: "nested", pattern: "^(a+)+$" }, sample: `${"a".repeat(40)}b` })
      .then((r) => {
        order.push("stuck");
        return r;
      });
    await new Promise((r) => setTimeout(r, 200));
    const types = await h.call("GET", "/api/graders/types");
    order.push("types");
    expect(types.status).toBe(200);
    const answer = await stuck;
    expect(order).toEqual(["types", "stuck"]);
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toMatch(/longer than 10 s.*nested quantifiers/);
  }, 60_000);

  it("still grades a grader that is quick", async () => {
    const answer = await h.call("POST", "/api/graders/test", {
      grader: { type: "regex", name: "digits", pattern: "^\\d+$" },
      sample: "42",
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ passed: true, score: 1 });
  });
});
