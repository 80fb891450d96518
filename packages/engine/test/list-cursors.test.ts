/**
 * The `after` cursor of the list endpoints (files, jobs, a job's events and checkpoints) through the official SDK:
 * pages follow one another without repeating an item, and an `after` that is no item of the list is a 400 naming
 * `after` in OpenAI's error shape, instead of the list silently starting again from the top (which made a client
 * paging through see items twice, or loop).
 */
import type OpenAI from "openai";
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineWithClient, refusal, trainingJsonl, waitForJob } from "./engine-client.ts";

let ctx: Awaited<ReturnType<typeof engineWithClient>>;
let client: OpenAI;
let jobs: OpenAI.FineTuning.FineTuningJob[];
beforeAll(async () => {
  ctx = await engineWithClient({ checkpointEvery: 5 });
  client = ctx.client;
  const pairs = Array.from({ length: 10 }, (_, i) => [`word ${i}`, i % 2 ? "odd" : "even"] as [string, string]);
  const files = [];
  for (let i = 0; i < 3; i++)
    files.push(await client.files.create({ file: await toFile(Buffer.from(trainingJsonl(pairs)), `t${i}.jsonl`), purpose: "fine-tune" }));
  jobs = [];
  for (const [i, file] of files.slice(0, 2).entries()) {
    const job = await client.fineTuning.jobs.create({
      model: "local-tiny",
      training_file: file.id,
      seed: i,
      hyperparameters: { n_epochs: 3, batch_size: 1 },
    });
    jobs.push(await waitForJob(client, job.id));
  }
}, 120_000);
afterAll(async () => ctx?.dispose());

const expectAfterRefused = async (promise: Promise<unknown>, after: string) => {
  const refused = await refusal(promise);
  expect(refused.status).toBe(400);
  expect(refused.param).toBe("after");
  expect(refused.type).toBe("invalid_request_error");
  expect(refused.message).toContain(`Invalid 'after': '${after}' is not the id of`);
};

describe("list cursors", () => {
  it("an unknown after is a 400 naming after, on every list", async () => {
    const [job] = jobs;
    if (!job) throw new Error("no job");
    await expectAfterRefused(client.files.list({ after: "file-nope" }), "file-nope");
    await expectAfterRefused(client.fineTuning.jobs.list({ after: "ftjob-nope" }), "ftjob-nope");
    await expectAfterRefused(client.fineTuning.jobs.listEvents(job.id, { after: "ftevent-nope" }), "ftevent-nope");
    await expectAfterRefused(client.fineTuning.jobs.checkpoints.list(job.id, { after: "ftckpt-nope" }), "ftckpt-nope");
  });

  it("an event or checkpoint of another job is no cursor of this one", async () => {
    const [one, two] = jobs;
    if (!one || !two) throw new Error("no jobs");
    const [event] = (await client.fineTuning.jobs.listEvents(two.id, { limit: 1 })).data;
    const [checkpoint] = (await client.fineTuning.jobs.checkpoints.list(two.id, { limit: 1 })).data;
    await expectAfterRefused(client.fineTuning.jobs.listEvents(one.id, { after: event?.id ?? "" }), event?.id ?? "");
    await expectAfterRefused(client.fineTuning.jobs.checkpoints.list(one.id, { after: checkpoint?.id ?? "" }), checkpoint?.id ?? "");
  });

  it("deleting every file while paging through them (the SDK's auto-pagination) reaches every file once", async () => {
    const made = [];
    for (let i = 0; i < 5; i++)
      made.push((await client.files.create({ file: await toFile(Buffer.from("x"), `gone${i}.jsonl`), purpose: "batch" })).id);
    const deleted: string[] = [];
    // each page's last id is deleted before the next page is asked for after it
    for await (const file of client.files.list({ purpose: "batch", limit: 2 })) {
      await client.files.delete(file.id);
      deleted.push(file.id);
    }
    expect(deleted.sort()).toEqual([...made].sort());
    expect((await client.files.list({ purpose: "batch" })).data).toEqual([]);
    // a deleted file is gone for everything else
    expect((await refusal(client.files.retrieve(made[0] ?? ""))).status).toBe(404);
  });

  it("pages of one item follow one another, every item once", async () => {
    const [job] = jobs;
    if (!job) throw new Error("no job");
    const collect = async <T extends { id: string }>(page: { data: T[]; hasNextPage(): boolean; getNextPage(): Promise<unknown> }) => {
      const ids: string[] = [];
      let current = page;
      for (;;) {
        ids.push(...current.data.map((x) => x.id));
        if (!current.hasNextPage()) return ids;
        current = (await current.getNextPage()) as typeof page;
      }
    };
    const files = await collect(await client.files.list({ limit: 1 }));
    expect(new Set(files).size).toBe(files.length);
    expect(files).toEqual((await client.files.list()).data.map((f) => f.id));
    const listed = await collect(await client.fineTuning.jobs.list({ limit: 1 }));
    expect(listed).toEqual((await client.fineTuning.jobs.list()).data.map((j) => j.id));
    const events = await collect(await client.fineTuning.jobs.listEvents(job.id, { limit: 7 }));
    expect(events).toEqual((await client.fineTuning.jobs.listEvents(job.id, { limit: 1000 })).data.map((e) => e.id));
    const checkpoints = await collect(await client.fineTuning.jobs.checkpoints.list(job.id, { limit: 1 }));
    expect(checkpoints.length).toBeGreaterThan(1);
    expect(checkpoints).toEqual((await client.fineTuning.jobs.checkpoints.list(job.id, { limit: 100 })).data.map((c) => c.id));
  });
});
