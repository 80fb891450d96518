// An experiment created without running (the web form's "Create without running", the CLI's exp create --no-run, the
// API's run: false) waits until someone runs it. Before, a process starting on the workspace (tunelab serve resuming,
// a tunelab worker claiming) took every `created` experiment and trained it. Here the server stores work for workers
// (serve --no-worker), and what a starting process would take is read the way it reads it.
import { claimableExperiments, unfinishedExperiments } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempWorkspace } from "../../../packages/core/src/test-support/temp-workspace.ts";
import { createApiApp, createServices } from "../src/index.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let app: ReturnType<typeof createApiApp>;
beforeAll(async () => {
  ws = await tempWorkspace();
  app = createApiApp({ services: createServices({ ws, config: { providers: {} }, runsWork: false }) });
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
const chat = (user: string, label: string) =>
  JSON.stringify({
    messages: [
      { role: "user", content: user },
      { role: "assistant", content: label },
    ],
  });
const rows = (n: number, tag: string) =>
  `${Array.from({ length: n }, (_, i) => chat(`${tag} ticket ${i}`, i % 2 ? "bug" : "billing")).join("\n")}\n`;
/** What a starting process resumes, and what a worker claims. */
const taken = async () => ({
  resumed: (await unfinishedExperiments(ws.db)).map((e) => e.id).sort(),
  claimed: (await claimableExperiments(ws.db, 100)).sort(),
});

describe("experiments created without running", () => {
  it("are neither resumed nor claimed until someone runs them; ones created to run are", async () => {
    await call("PUT", "/api/projects/p/test-split", rows(3, "test"));
    await call("POST", "/api/projects/p/datasets/train/versions", rows(10, "train"));
    await call("PUT", "/api/projects/p/graders", {
      graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
    });
    const create = async (epochs: number, run: boolean) =>
      (
        await call("POST", "/api/projects/p/experiments", {
          dataset: "train@1",
          model: "local-tiny",
          hyperparameters: { n_epochs: epochs, batch_size: 5 },
          run,
        })
      ).json.experiment.id as string;
    const later = await create(1, false);
    const now = await create(2, true);
    expect((await call("GET", `/api/experiments/${later}`)).json.status).toBe("created");
    expect(await taken()).toEqual({ resumed: [now], claimed: [now] });

    expect((await call("POST", `/api/experiments/${later}/run`)).status).toBe(202);
    expect(await taken()).toEqual({ resumed: [later, now].sort(), claimed: [later, now].sort() });
  });
});
