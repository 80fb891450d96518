// What the web app's "start work" forms send (issue 15): an upload with the CLI's --encoding and --context, and an
// experiment or baseline that the API refuses, before storing anything, when the project has nothing to score it on
// (as `tunelab exp create` and `tunelab baseline` refuse), with errors that name the field.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempWorkspace } from "../../../packages/core/src/test-support/temp-workspace.ts";
import { createApiApp, createServices } from "../src/index.ts";
import { apiHarness } from "./api-harness.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const read = (name: string) => readFileSync(`${EXAMPLES}${name}`, "utf8");

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let app: ReturnType<typeof createApiApp>;
beforeAll(async () => {
  ws = await tempWorkspace();
  app = createApiApp({ services: createServices({ ws, config: { providers: {} } }) });
});
afterAll(async () => ws.dispose());

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route returned
const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
  const response = await app.request(path, {
    method,
    ...(body === undefined
      ? {}
      : typeof body === "string"
        ? { body, headers: { "content-type": "application/x-ndjson" } }
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  return { status: response.status, json: await response.json() };
};
const experiments = async () =>
  Number(
    (
      await ws.db
        .selectFrom("experiments")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe("starting work over HTTP", () => {
  it("imports with the CLI's --encoding and --context, and names a bad one", async () => {
    const train = read("train-v1.jsonl");
    const stored = await call("POST", "/api/projects/start/datasets/train/versions?encoding=cl100k_base&context=40&message=first", train);
    expect(stored.status).toBe(201);
    expect(stored.json.version.ref).toBe("train@1");
    expect(stored.json.report.stats).toMatchObject({ encoding: "cl100k_base", contextLimit: 40 });
    // every example of the ticket file is longer than 40 tokens: each one is over the limit, as `data import --context 40` warns
    expect(stored.json.report.issueCounts.over_context_limit).toBe(120);

    for (const [query, field] of [
      ["encoding=gpt2", "encoding"],
      ["context=0", "context"],
      ["context=many", "context"],
    ] as const) {
      const refused = await call("POST", `/api/projects/start/datasets/train/versions?${query}`, read("train-v2.jsonl"));
      expect(refused.status, query).toBe(400);
      expect(refused.json.error.details[0].path).toBe(field);
    }
    const versions = await call("GET", "/api/projects/start/datasets");
    expect(versions.json.data[0].versions).toHaveLength(1);
  });

  it("refuses to create and run an experiment or a baseline without a test split or graders, storing nothing", async () => {
    const before = await experiments();
    const noSplit = await call("POST", "/api/projects/start/experiments", { model: "local-tiny", method: "none" });
    expect(noSplit.status).toBe(400);
    expect(noSplit.json.error.message).toContain("no test split");
    await call("PUT", "/api/projects/start/test-split", read("test.jsonl"));
    const noGraders = await call("POST", "/api/projects/start/experiments", { dataset: "train@1", model: "local-tiny" });
    expect(noGraders.status).toBe(400);
    expect(noGraders.json.error.message).toContain("no graders");
    expect(await experiments()).toBe(before);

    // created without running, it may wait for its graders (as `exp create --no-run`)
    const later = await call("POST", "/api/projects/start/experiments", { dataset: "train@1", model: "local-tiny", run: false });
    expect(later.status).toBe(201);
    expect(later.json.experiment.status).toBe("created");
    expect(await experiments()).toBe(before + 1);
  });

  it("names the field of a bad hyperparameter, seed or suffix (the form shows each next to its input)", async () => {
    const before = await experiments();
    for (const [body, field] of [
      [{ hyperparameters: { n_epochs: 0 } }, "hyperparameters.n_epochs"],
      [{ hyperparameters: { learning_rate_multiplier: "fast" } }, "hyperparameters.learning_rate_multiplier"],
      [{ hyperparameters: { batch_size: 1.5 } }, "hyperparameters.batch_size"],
      [{ seed: -1 }, "seed"],
      [{ suffix: "no spaces allowed" }, "suffix"],
    ] as const) {
      const refused = await call("POST", "/api/projects/start/experiments", {
        dataset: "train@1",
        model: "local-tiny",
        run: false,
        ...body,
      });
      expect(refused.status, field).toBe(400);
      expect(refused.json.error.details[0].path, field).toBe(field);
      expect(refused.json.error.message.startsWith(`${field}: `), refused.json.error.message).toBe(true);
    }
    expect(await experiments()).toBe(before);
  });
});

describe("running an experiment created without running (the CLI's exp run), on the engine", () => {
  it("queues it, refuses a finished one with 409 and an unknown id with 404", async () => {
    const h = await apiHarness();
    try {
      const chat = (user: string, label: string) =>
        JSON.stringify({
          messages: [
            { role: "user", content: user },
            { role: "assistant", content: label },
          ],
        });
      const rows = (n: number, tag: string) =>
        `${Array.from({ length: n }, (_, i) => chat(`${tag} ticket ${i}`, i % 2 ? "bug" : "billing")).join("\n")}\n`;
      await h.call("PUT", "/api/projects/later/test-split", rows(3, "test"), { "content-type": "application/x-ndjson" });
      await h.call("POST", "/api/projects/later/datasets/train/versions", rows(10, "train"), { "content-type": "application/x-ndjson" });
      const created = await h.call("POST", "/api/projects/later/experiments", {
        dataset: "train@1",
        model: "local-tiny",
        hyperparameters: { n_epochs: 1, batch_size: 5 },
        run: false,
      });
      const id = created.json.experiment.id as string;
      // nothing to score it on yet: refused, and it stays as it was
      const early = await h.call("POST", `/api/experiments/${id}/run`);
      expect(early.status).toBe(400);
      expect(early.json.error.message).toContain("no graders");
      expect((await h.call("GET", `/api/experiments/${id}`)).json.status).toBe("created");

      await h.call("PUT", "/api/projects/later/graders", {
        graders: [
          { type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" },
        ],
      });
      const queued = await h.call("POST", `/api/experiments/${id}/run`);
      expect(queued.status).toBe(202);
      let status = "created";
      for (let i = 0; i < 1200 && !["completed", "failed", "cancelled"].includes(status); i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await h.call("GET", `/api/experiments/${id}`)).json.status;
      }
      expect(status).toBe("completed");
      const again = await h.call("POST", `/api/experiments/${id}/run`);
      expect(again.status).toBe(409);
      expect(again.json.error.message).toContain("already completed");
      expect((await h.call("POST", "/api/experiments/exp_nothere/run")).status).toBe(404);
    } finally {
      await h.dispose();
    }
  }, 180_000);
});
