// Vision fine-tuning end to end on the digits example (MNIST digits as OpenAI vision JSONL): the CLI freezes its test
// split, imports the training images, sets its graders and runs an experiment on the embedded engine; the tuned model
// gets a leaderboard entry scored on the 300 test images, and `tunelab serve`'s OpenAI-compatible surface answers a
// chat completion with an image (the SDK's side is packages/engine/test/vision-sdk.test.ts). The bench (bench/trainer.ts) measures the time to 90%;
// this test asks for well above chance (10%) after a short training.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli } from "./run-cli.ts";

const DIGITS = fileURLToPath(new URL("../../../examples/digits/", import.meta.url));

interface Line {
  messages: Array<{ role: string; content: string | Array<{ type: string; text?: string; image_url?: { url: string } }> }>;
}

let dir: string;
let home: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-digits-"));
  home = join(dir, ".tunelab");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(args, { home, cwd: dir });

describe("vision fine-tuning on the digits example", () => {
  it("trains on images, ranks the tuned model on the leaderboard, and answers a chat completion with an image", async () => {
    for (const step of [
      cli(["split", `${DIGITS}test.jsonl`, "-p", "digits"]),
      cli(["data", "import", `${DIGITS}train.jsonl`, "-p", "digits", "-d", "train"]),
      cli(["graders", "add", `${DIGITS}graders.json`, "-p", "digits"]),
    ])
      expect(step.code, step.stderr).toBe(0);

    const created = cli([
      "exp",
      "create",
      "-p",
      "digits",
      "--dataset",
      "train@1",
      "--model",
      "local-tiny",
      "--epochs",
      "3",
      "--batch-size",
      "16",
      "--json",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const experiment = created.json() as { id: string; status: string; tunedModel: string };
    expect(experiment.status).toBe("completed");

    const board = cli(["leaderboard", "-p", "digits", "--json"]);
    expect(board.code, board.stderr).toBe(0);
    const rows = (
      board.json() as {
        rows: Array<{ experimentId: string; rank: number | null; score: number | null; resultCounts: { total: number } | null }>;
      }
    ).rows;
    const row = rows.find((r) => r.experimentId === experiment.id);
    expect(row?.rank).toBe(1);
    expect(row?.resultCounts?.total).toBe(300);
    // chance is 0.1; a few epochs of the from-scratch model read most digits
    expect(row?.score).toBeGreaterThan(0.5);

    const server = startCli(["serve", "--port", "0"], { home, cwd: dir });
    try {
      const [, url] = await server.waitFor(/serving on (http:\/\/127\.0\.0\.1:\d+)/);
      const tests = readFileSync(`${DIGITS}test.jsonl`, "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .slice(0, 40)
        .map((l) => JSON.parse(l) as Line);
      let right = 0;
      for (const test of tests) {
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: experiment.tunedModel, messages: test.messages.slice(0, -1), temperature: 0 }),
        });
        expect(response.status).toBe(200);
        const completion = (await response.json()) as { choices: Array<{ message: { content: string } }> };
        if (completion.choices[0]?.message.content === test.messages.at(-1)?.content) right++;
      }
      // well above chance (4 of 40 expected by guessing; 12 or more has a probability of 0.0003 by chance), without
      // asking more of 40 answers than the 0.5 the leaderboard asks of 300: the kernels' float results differ between
      // machines (AVX2, AVX-512), so a short training's exact accuracy does too (9 of the first 20 on one, 11+ on another)
      expect(right).toBeGreaterThanOrEqual(12);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }, 900_000);
});
