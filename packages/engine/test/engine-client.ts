import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI, { APIError } from "openai";
import { createEngine, type Engine, type EngineOptions } from "../src/index.ts";

/** A real engine on a temp directory and the official SDK talking to its Hono app in-process. */
export async function engineWithClient(
  options: Partial<EngineOptions> = {},
): Promise<{ engine: Engine; client: OpenAI; root: string; dispose: () => Promise<void> }> {
  const root = options.root ?? mkdtempSync(join(tmpdir(), "tunelab-engine-"));
  const engine = await createEngine({ ...options, root });
  const client = clientFor(engine);
  return {
    engine,
    client,
    root,
    dispose: async () => {
      await engine.close();
      if (!options.root) rmSync(root, { recursive: true, force: true });
    },
  };
}

export function clientFor(engine: Engine): OpenAI {
  return new OpenAI({
    apiKey: "local",
    baseURL: "http://engine.local/v1",
    maxRetries: 0,
    fetch: async (input, init) => engine.app.fetch(new Request(input, init)),
  });
}

export function trainingJsonl(pairs: ReadonlyArray<[string, string]>): string {
  return `${pairs
    .map(([user, assistant]) =>
      JSON.stringify({
        messages: [
          { role: "system", content: "Classify." },
          { role: "user", content: user },
          { role: "assistant", content: assistant },
        ],
      }),
    )
    .join("\n")}\n`;
}

/** Polls a fine-tuning job until it has finished (succeeded, failed or cancelled); returns it as last retrieved. */
export async function waitForJob(client: OpenAI, id: string): Promise<OpenAI.FineTuning.FineTuningJob> {
  let job = await client.fineTuning.jobs.retrieve(id);
  while (!["succeeded", "failed", "cancelled"].includes(job.status)) {
    await new Promise((r) => setTimeout(r, 100));
    job = await client.fineTuning.jobs.retrieve(id);
  }
  return job;
}

/** `words` distinct numbered words (several tokens each, whatever tokenizer the job learns): text far over a context. */
export function numberedWords(seed: number, words: number): string {
  return Array.from({ length: words }, (_, w) => `w${(seed * 7919 + w * 104_729) % 100_000}`).join(" ");
}

/** The API error a request the engine refuses ends with (fails the test if the request succeeds). */
export async function refusal(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof APIError) return error;
    throw error;
  }
  throw new Error("expected the request to be refused; it succeeded");
}
