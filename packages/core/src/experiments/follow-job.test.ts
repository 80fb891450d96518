// followJob against a loopback replica of OpenAI's fine-tuning job endpoints (retrieve, list events), through the
// real openai SDK: no abort listener piles up on the experiment's signal, the training clock counts only the time the
// job was seen running, and the job's warnings and early stop are kept with the experiment and reported, each once.
import { getEventListeners } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject } from "../projects/project.repository.ts";
import { openAITrainer } from "../providers/trainers/openai.ts";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { getExperiment, insertExperiment } from "./experiment.repository.ts";
import type { ExperimentEvent } from "./experiment-events.ts";
import { followJob } from "./follow-job.ts";
import { TrainingClock } from "./training-time.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let server: Server;
let baseURL: string;
let polls = 0;
const RUNNING_POLLS = 25;
let warnPolls = 0;

/** A fine-tuning job as OpenAI returns it, created `ageSeconds` ago. */
function jobBody(id: string, ageSeconds: number, status: "queued" | "running" | "succeeded"): string {
  const now = Math.floor(Date.now() / 1000);
  const done = status === "succeeded";
  return JSON.stringify({
    id,
    object: "fine_tuning.job",
    created_at: now - ageSeconds,
    status,
    finished_at: done ? now : null,
    fine_tuned_model: done ? `ft:${id}` : null,
    model: "m",
    hyperparameters: {},
  });
}

/**
 * ftjob-warn's events as OpenAI lists them (newest first, pages of `limit` after an id): info messages, metrics, and
 * two warnings, the second said after the first poll; a page holds two events, so the warnings come on several pages.
 */
function warnEvents(url: string) {
  const event = (id: string, type: string, level: string, message: string, data: unknown = null) => ({
    object: "fine_tuning.job.event",
    id,
    created_at: 1,
    type,
    level,
    message,
    data,
  });
  const all = [
    event("ev-1", "message", "info", "Created fine-tuning job: ftjob-warn"),
    event("ev-2", "message", "warn", "2 of 10 training examples are longer than the model's training context"),
    event("ev-3", "metrics", "info", "Step 1/2: training loss=1.0000", { step: 1, total_steps: 2, train_loss: 1 }),
    ...(warnPolls > 1
      ? [
          event("ev-4", "message", "warn", "the second warning"),
          event("ev-5", "metrics", "info", "Step 2/2: training loss=0.5000", { step: 2, total_steps: 2, train_loss: 0.5 }),
          // an info message whose data is not the engine's early-stopping record: not an early stop
          event("ev-6", "message", "info", "Validation at step 2", { early_stopping: { step: 2 } }),
        ]
      : []),
    ...(warnPolls > 2 ? [event("ev-7", "message", "info", EARLY_STOP_MESSAGE, { early_stopping: EARLY_STOP_DATA })] : []),
  ].reverse();
  const params = new URL(url, "http://x").searchParams;
  const after = params.get("after");
  const from = after ? all.findIndex((e) => e.id === after) + 1 : 0;
  const data = all.slice(from, from + 2);
  return { object: "list", data, has_more: from + 2 < all.length };
}

const EARLY_STOP_MESSAGE = "Early stopping at step 2: validation loss and token accuracy did not improve for 1 validations in a row";
/** As the embedded engine writes it (`@tunelab/contracts`' EarlyStoppingEventData). */
const EARLY_STOP_DATA = {
  step: 2,
  best_step: 1,
  best_valid_loss: 0.75,
  best_valid_mean_token_accuracy: 0.5,
  patience: 1,
  counted_from_step: 0,
};

beforeAll(async () => {
  ws = await tempWorkspace();
  server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url?.startsWith("/v1/fine_tuning/jobs/ftjob-1/events"))
      return res.end(JSON.stringify({ object: "list", data: [], has_more: false }));
    if (req.url?.startsWith("/v1/fine_tuning/jobs/ftjob-warn/events")) return res.end(JSON.stringify(warnEvents(req.url)));
    if (req.url === "/v1/fine_tuning/jobs/ftjob-warn") {
      warnPolls++;
      return res.end(jobBody("ftjob-warn", 60, warnPolls > 3 ? "succeeded" : "running"));
    }
    if (req.url === "/v1/fine_tuning/jobs/ftjob-1") {
      polls++;
      return res.end(jobBody("ftjob-1", 3600, polls === 1 ? "queued" : polls > RUNNING_POLLS ? "succeeded" : "running"));
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ error: { message: "no" } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await ws.dispose();
});

async function experimentRow(id: string) {
  const project = await createProject(ws.db, { name: `p-${id}` });
  const now = new Date().toISOString();
  await insertExperiment(ws.db, {
    id,
    project_id: project.id,
    name: id,
    kind: "tuned",
    dataset_version_id: null,
    validation_version_id: null,
    base_model: "m",
    provider: "replica",
    method: "supervised",
    hyperparameters_json: JSON.stringify({ requested: {} }),
    eval_json: JSON.stringify({ trials: 1 }),
    seed: 1,
    suffix: null,
    notes: "",
    config_hash: id,
    status: "training",
    error: null,
    provider_file_id: null,
    provider_validation_file_id: null,
    provider_job_id: "ftjob-1",
    tuned_model: null,
    tuned_model_blob: null,
    checkpoint_blob: null,
    trained_tokens: null,
    training_seconds: null,
    test_split_version_id: null,
    grader_set_id: null,
    eval_run_id: null,
    created_at: now,
    updated_at: now,
    finished_at: null,
    lease_owner: null,
    lease_expires_at: null,
    created_by: null,
    warnings_json: null,
    early_stop_json: null,
    run_requested: 0,
  });
}

describe("followJob", () => {
  it("leaves no abort listener on the experiment's signal, however many polls (no MaxListenersExceededWarning)", async () => {
    await experimentRow("exp-listeners");
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    const controller = new AbortController();
    const client = new OpenAI({ apiKey: "k", baseURL, maxRetries: 0 });
    try {
      const job = await followJob(ws.db, openAITrainer(client), "exp-listeners", "ftjob-1", { pollMs: 1, signal: controller.signal });
      expect(job.status).toBe("succeeded");
      expect(polls).toBeGreaterThan(2 * 10); // far more requests than the default limit of 10 listeners
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
    // the time it was seen running was added up; the hour since created_at (queued, elsewhere) was not
    const { trainingSeconds } = await getExperiment(ws.db, "exp-listeners");
    expect(trainingSeconds).toBeGreaterThan(0);
    expect(trainingSeconds).toBeLessThan(3600);
  });
});

/** Follows the replica's ftjob-warn for an experiment, collecting the events it reports; `follow` may run again. */
function followWarnJob(experimentId: string) {
  const client = new OpenAI({ apiKey: "k", baseURL, maxRetries: 0 });
  const events: ExperimentEvent[] = [];
  const follow = () =>
    followJob(ws.db, openAITrainer(client), experimentId, "ftjob-warn", {
      pollMs: 1,
      signal: new AbortController().signal,
      onEvent: (event) => events.push(event),
    });
  return { follow, events };
}

describe("followJob and the job's warnings", () => {
  it("keeps each warning with the experiment once, in the order said, and reports each as a warning event", async () => {
    await experimentRow("exp-warn");
    const { follow, events } = followWarnJob("exp-warn");
    expect((await follow()).status).toBe("succeeded");
    const said = ["2 of 10 training examples are longer than the model's training context", "the second warning"];
    expect((await getExperiment(ws.db, "exp-warn")).warnings).toEqual(said);
    expect(events.filter((e) => e.type === "warning")).toEqual(
      said.map((message) => ({ type: "warning", experimentId: "exp-warn", message })),
    );
    // the metrics between them were still recorded as metrics
    expect(events.filter((e) => e.type === "metrics").length).toBeGreaterThan(0);
    // a process following the job again (after a restart) sees every event again, and adds and reports nothing
    events.length = 0;
    expect((await follow()).status).toBe("succeeded");
    expect((await getExperiment(ws.db, "exp-warn")).warnings).toEqual(said);
    expect(events.filter((e) => e.type === "warning")).toEqual([]);
  });

  it("an experiment the provider never warned about has no warnings", async () => {
    expect((await getExperiment(ws.db, "exp-listeners")).warnings).toEqual([]);
  });
});

describe("followJob and an early stop", () => {
  it("keeps where the job stopped early and the step the tuned model keeps, reported once as an early-stop event", async () => {
    warnPolls = 0;
    await experimentRow("exp-early");
    const { follow, events } = followWarnJob("exp-early");
    expect((await follow()).status).toBe("succeeded");
    const stop = { step: 2, bestStep: 1, bestValidLoss: 0.75, message: EARLY_STOP_MESSAGE };
    expect((await getExperiment(ws.db, "exp-early")).earlyStop).toEqual(stop);
    expect(events.filter((e) => e.type === "early-stop")).toEqual([
      { type: "early-stop", experimentId: "exp-early", step: 2, bestStep: 1, message: EARLY_STOP_MESSAGE },
    ]);
    // following the job again after a restart reports nothing new
    events.length = 0;
    expect((await follow()).status).toBe("succeeded");
    expect((await getExperiment(ws.db, "exp-early")).earlyStop).toEqual(stop);
    expect(events.filter((e) => e.type === "early-stop")).toEqual([]);
  });

  it("an experiment whose job ran every step has none", async () => {
    expect((await getExperiment(ws.db, "exp-listeners")).earlyStop).toBeNull();
  });
});

describe("TrainingClock", () => {
  it("adds the spans between polls that saw the job running, and nothing across a poll that failed or a restart", async () => {
    await experimentRow("exp-clock");
    const seconds = async () => (await getExperiment(ws.db, "exp-clock")).trainingSeconds;
    const clock = new TrainingClock(ws.db, "exp-clock");
    await clock.observe("queued", null, 0);
    await clock.observe("running", null, 10_000); // queued until now: nothing counted
    expect(await seconds()).toBeNull();
    await clock.observe("running", null, 12_000);
    await clock.observe("running", null, 15_000);
    expect(await seconds()).toBe(5);
    clock.lost(); // the provider did not answer (or the process was down) until…
    await clock.observe("running", null, 600_000);
    expect(await seconds()).toBe(5);
    // a new process following the same job (after a crash): its own clock adds to the same total
    const resumed = new TrainingClock(ws.db, "exp-clock");
    await resumed.observe("running", null, 900_000);
    await resumed.observe("running", null, 901_000);
    await resumed.observe("succeeded", 901.5, 903_000); // finished between the polls: counted up to finished_at
    expect(await seconds()).toBe(6.5);
  });
});
