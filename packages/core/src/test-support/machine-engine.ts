import type { ExperimentServices } from "../experiments/run-experiment.ts";
import { evaluationSetup } from "../grader-sets/evaluation-setup.ts";
import { Providers } from "../providers/providers.ts";
import type { Workspace } from "../storage/workspace.ts";
import type { FakeAzure } from "./fake-azure-openai.ts";

/**
 * The services of a worker on one machine, whose `local` provider is that machine's own engine: here a loopback
 * replica of OpenAI's job API (key `sk-test`), reached through the embedded engine's fetch hook. Workers given the
 * same replica share one engine (one machine, one engine home); workers given different ones are on different
 * machines.
 */
export function machineServices(ws: Workspace, engine: FakeAzure): ExperimentServices {
  const providers = new Providers({
    config: { providers: {} },
    localFetch: (request) => {
      const url = new URL(request.url);
      const headers = new Headers(request.headers);
      headers.set("authorization", "Bearer sk-test");
      return fetch(`${engine.baseURL}${url.pathname.replace(/^\/v1/, "")}${url.search}`, {
        method: request.method,
        headers,
        body: request.body,
        duplex: "half",
      } as RequestInit);
    },
  });
  return {
    client: (name) => providers.client(name),
    trainer: (name) => providers.trainer(name),
    evaluationSetup: (projectId, grading) => evaluationSetup(ws, projectId, { ...grading }),
    pollMs: 5,
    evalConcurrency: 2,
  };
}
