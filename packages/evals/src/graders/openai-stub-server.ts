import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";

/** One request the stub received. */
export interface StubRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

/** What the stub answers: JSON with a status, or raw text (to send malformed bodies). */
export type StubReply = { status?: number; json: unknown } | { status?: number; raw: string; contentType?: string };

/**
 * A real HTTP server on 127.0.0.1 that answers like OpenAI's API, for tests of model graders through the real
 * `openai` client. `reply` decides each answer; helpers build chat-completion and embedding bodies.
 */
export async function startStubServer(reply: (request: StubRequest) => StubReply | Promise<StubReply>) {
  const requests: StubRequest[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const request: StubRequest = {
      method: req.method ?? "GET",
      path: (req.url ?? "/").replace(/^\/v1/, ""),
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
    requests.push(request);
    const answer = await reply(request);
    const status = answer.status ?? 200;
    if ("raw" in answer) {
      res.writeHead(status, { "content-type": answer.contentType ?? "application/json" }).end(answer.raw);
    } else {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(answer.json));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const baseURL = `http://127.0.0.1:${port}/v1`;
  return {
    baseURL,
    requests,
    client: new OpenAI({ baseURL, apiKey: "test", maxRetries: 0, timeout: 5_000 }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A chat completion body with one choice. */
export function chatCompletion(content: string | null, extra: { refusal?: string; finish_reason?: string } = {}): StubReply {
  return {
    json: {
      id: "chatcmpl-test",
      object: "chat.completion",
      created: 0,
      model: "grader-model",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content, refusal: extra.refusal ?? null },
          finish_reason: extra.finish_reason ?? "stop",
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    },
  };
}

/** An OpenAI-shaped error body. */
export function apiError(status: number, message: string): StubReply {
  return { status, json: { error: { message, type: "server_error", param: null, code: null } } };
}

/** An embeddings body for the given vectors. */
export function embeddings(vectors: number[][]): StubReply {
  return {
    json: {
      object: "list",
      model: "text-embedding-3-small",
      data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
      usage: { prompt_tokens: 4, total_tokens: 4 },
    },
  };
}
