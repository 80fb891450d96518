// `tunelab eval` killed with SIGKILL while it scores (or its machine put to sleep), then the same command again: it
// resumes the run it left, scoring only the (item, trial) pairs not stored yet, instead of starting a second run from
// the first item and leaving the first one "running" for a later `tunelab serve` to finish.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeWorkspace, openWorkspace, sampleKeys } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, runSteps, startCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const FAST_LEASE = { TUNELAB_LEASE_SECONDS: "2" };
const EVAL = ["eval", "--model", "local-tiny", "--trials", "2", "--format", "json"];

let dir: string;
let home: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-eval-resume-"));
  home = join(dir, ".tunelab");
  runSteps(
    [
      ["split", `${EXAMPLES}test.jsonl`, "-p", "tickets"],
      ["graders", "add", `${EXAMPLES}graders.json`],
    ],
    { home, cwd: dir },
  );
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tunelab eval killed with SIGKILL while scoring", () => {
  it("the same command again resumes that run: one run, every (item, trial) stored once", async () => {
    const ws = await openWorkspace(home);
    const runs = () => ws.db.selectFrom("eval_runs").select(["id", "status"]).where("model", "=", "local-tiny").execute();
    let killed: { id: string; scored: number };
    try {
      const first = startCli(EVAL, { home, cwd: dir, env: FAST_LEASE });
      // the moment that matters: some samples are stored, not all
      for (;;) {
        const [run] = await runs();
        const scored = run ? (await sampleKeys(ws.db, run.id)).size : 0;
        if (run && scored > 0) {
          first.child.kill("SIGKILL");
          await first.exited;
          killed = { id: run.id, scored: (await sampleKeys(ws.db, run.id)).size };
          break;
        }
        expect(first.child.exitCode, first.output().stderr).toBeNull();
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await runs()).toEqual([{ id: killed.id, status: "running" }]);
      expect(killed.scored).toBeLessThan(200);

      const again = runCli(EVAL, { home, cwd: dir, env: FAST_LEASE });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(`resuming eval run ${killed.id}: ${killed.scored} of 200 already scored`);
      const gate = again.json() as {
        run: { id: string; resultCounts: { total: number; passed: number; failed: number; errored: number } };
      };
      expect(gate.run.id).toBe(killed.id);
      const counts = gate.run.resultCounts;
      expect(counts.total).toBe(200);
      expect(counts.passed + counts.failed + counts.errored).toBe(200);
      expect(await runs()).toEqual([{ id: killed.id, status: "completed" }]);
      expect((await sampleKeys(ws.db, killed.id)).size).toBe(200);
      const rows = await ws.db
        .selectFrom("eval_samples")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("run_id", "=", killed.id)
        .executeTakeFirstOrThrow();
      expect(Number(rows.n)).toBe(200);

      // a finished run is never resumed: the next eval is a new run
      const next = runCli(EVAL, { home, cwd: dir, env: FAST_LEASE });
      expect(next.code, next.stderr).toBe(0);
      expect(next.stderr).not.toContain("resuming");
      expect((next.json() as { run: { id: string } }).run.id).not.toBe(killed.id);
    } finally {
      await closeWorkspace(ws);
    }
  }, 240_000); // three CLI processes score 200 (item, trial) pairs of an untrained local-tiny in turn

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} is a clean stop: the run is cancelled, one line says so, exit 130 (no error, no exp run hint)`, async () => {
      const ws = await openWorkspace(home);
      try {
        const seen = new Set((await ws.db.selectFrom("eval_runs").select("id").execute()).map((r) => r.id));
        const child = startCli(["eval", "--model", "local-tiny", "--format", "json"], { home, cwd: dir, env: FAST_LEASE });
        let id: string | undefined;
        // the moment that matters: the run has stored samples, not all
        for (;;) {
          const fresh = (await ws.db.selectFrom("eval_runs").select("id").execute()).find((r) => !seen.has(r.id));
          if (fresh && (await sampleKeys(ws.db, fresh.id)).size > 0) {
            id = fresh.id;
            break;
          }
          expect(child.child.exitCode, child.output().stderr).toBeNull();
          await new Promise((r) => setTimeout(r, 20));
        }
        child.child.kill(signal);
        expect(await child.exited).toBe(130);
        const { stdout, stderr } = child.output();
        expect(stdout).toBe("");
        expect(stderr).toContain("interrupted: stopping; the eval run is cancelled");
        expect(stderr).not.toMatch(/error:|exp run/);
        const run = await ws.db.selectFrom("eval_runs").select("status").where("id", "=", id).executeTakeFirstOrThrow();
        expect(run.status).toBe("cancelled");
      } finally {
        await closeWorkspace(ws);
      }
    }, 120_000);
  }
});
