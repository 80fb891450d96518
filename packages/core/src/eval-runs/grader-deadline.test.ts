// An eval run's model-grader deadline and attempts, as configured (`graderTimeoutSeconds`, `graderAttempts`), are
// what its score_model grader is held to: against a loopback server that follows OpenAI's chat completions API, answers
// the scored model and hangs on purpose for the grader model, a run started with 0.2 s and 1 attempt ends with an
// errored grade naming those values; it records them, a resumed run keeps them, and bad values store nothing.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { TunelabError } from "@tunelab/base";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EvaluationGrading } from "../experiments/run-experiment.ts";
import { evaluationSetup } from "../grader-sets/evaluation-setup.ts";
import { EXACT, seedScoredProject, testAnswer } from "../test-support/scored-project.ts";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { runSamples } from "./eval-run.repository.ts";
import { EvalRunRunner } from "./standalone-runs.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let server: Server;
let client: OpenAI;
/** Requests to the grader model (prompt `judge: …`), each left unanswered until the client gives up on it. */
const judged: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const question = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages.at(-1)?.content ?? "";
      if (question.startsWith("judge:")) {
        judged.push(req); // the grader model never answers
        return;
      }
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          id: "c",
          object: "chat.completion",
          created: 0,
          model: "m",
          choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: testAnswer(question.split(" ")[1] ?? "") } }],
          usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  client = new OpenAI({ apiKey: "k", baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, maxRetries: 0 });
  ws = await tempWorkspace();
  const judge = {
    type: "score_model" as const,
    name: "judge",
    model: "grader-m",
    input: [{ role: "user" as const, content: "judge: {{sample.output_text}}" }],
  };
  await seedScoredProject(ws, { project: "p", items: 2, graders: [EXACT, judge] });
  await seedScoredProject(ws, { project: "q", items: 2, graders: [EXACT, judge] });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await ws.dispose();
});

/** What the runner bound its graders with, per call of `evaluationSetup`. */
const bound: Array<EvaluationGrading | undefined> = [];
const runner = () =>
  new EvalRunRunner(ws, {
    client: () => client,
    evaluationSetup: (projectId, grading) => {
      bound.push(grading);
      return evaluationSetup(ws, projectId, { client, ...grading });
    },
    evalConcurrency: 2,
  });

const storedRuns = async () => (await ws.db.selectFrom("eval_runs").select("id").execute()).length;

describe("an eval run's model-grader deadline", () => {
  it("is the one configured: 0.2 s and 1 attempt end each hung grade with an error naming them, recorded with the run", async () => {
    const evalRuns = runner();
    const created = await evalRuns.create({ project: "p", model: "m", evaluation: { graderTimeoutSeconds: 0.2, graderAttempts: 1 } });
    expect(created).toMatchObject({ graderTimeoutSeconds: 0.2, graderAttempts: 1 });
    const before = judged.length;
    const done = await evalRuns.run(created.id);
    expect(done.status).toBe("completed");
    expect(done.resultCounts).toMatchObject({ total: 2, errored: 2 });
    expect(bound.at(-1)).toEqual({ modelGrader: { timeoutMs: 200, maxAttempts: 1 } });
    const samples = await runSamples(ws.db, created.id);
    expect(samples).toHaveLength(2);
    for (const sample of samples) {
      const grades = JSON.parse(sample.grades_json) as Record<string, { passed: boolean; error?: { message: string } }>;
      expect(grades.exact?.passed).toBe(true);
      expect(grades.judge?.error?.message).toBe('grader "judge": the grader model (grader-m) did not answer within 200 ms (1 attempt)');
    }
    // one request per grade: the configured single attempt, no retry
    expect(judged.length - before).toBe(2);
    await evalRuns.close();
  });

  it("defaults to 60 s and 3 attempts, recorded with a run started without them", async () => {
    const evalRuns = runner();
    const created = await evalRuns.create({ project: "q", model: "defaults" });
    expect(created).toMatchObject({ graderTimeoutSeconds: 60, graderAttempts: 3 });
    await evalRuns.close();
  });

  it("is kept by a resumed run, whatever the command that resumes it asks for", async () => {
    const first = runner();
    const created = await first.create({ project: "q", model: "m", evaluation: { graderTimeoutSeconds: 0.2, graderAttempts: 1 } });
    await first.close();
    // the same evaluation asked for again (the same `tunelab eval` after a kill) with another deadline: it resumes the run
    const second = runner();
    const resumed = await second.resumeSame({
      project: "q",
      model: "m",
      evaluation: { graderTimeoutSeconds: 30, graderAttempts: 5 },
    });
    expect(resumed?.run.id).toBe(created.id);
    const done = await resumed?.done;
    expect(done).toMatchObject({ status: "completed", graderTimeoutSeconds: 0.2, graderAttempts: 1 });
    expect(bound.at(-1)).toEqual({ modelGrader: { timeoutMs: 200, maxAttempts: 1 } });
    for (const sample of await runSamples(ws.db, created.id))
      expect(JSON.parse(sample.grades_json).judge.error.message).toContain("did not answer within 200 ms (1 attempt)");
    await second.close();
  });

  it("refuses bad values naming the field and what was expected, storing nothing", async () => {
    const evalRuns = runner();
    const runs = await storedRuns();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ graderTimeoutSeconds: 0 }, "graderTimeoutSeconds: expected a number of seconds above 0 (at least 0.001), got 0; nothing was done"],
      [{ graderTimeoutSeconds: 3601 }, "graderTimeoutSeconds: expected at most 3600 seconds (an hour), got 3601; nothing was done"],
      [{ graderTimeoutSeconds: "60" }, 'graderTimeoutSeconds: expected a number of seconds, got "60"; nothing was done'],
      [{ graderAttempts: 0 }, "graderAttempts: expected a whole number from 1 to 10, got 0; nothing was done"],
      [{ graderAttempts: 11 }, "graderAttempts: expected a whole number from 1 to 10, got 11; nothing was done"],
      [{ graderAttempts: 2.5 }, "graderAttempts: expected a whole number from 1 to 10, got 2.5; nothing was done"],
    ];
    for (const [evaluation, message] of cases) {
      const refused = await evalRuns.create({ project: "p", model: "m", evaluation: evaluation as never }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(TunelabError);
      expect((refused as TunelabError).message).toBe(message);
      expect((refused as TunelabError).details).toEqual({ field: Object.keys(evaluation)[0] });
    }
    expect(await storedRuns()).toBe(runs);
    await evalRuns.close();
  });
});
