// A real HTTP server on loopback that answers POST /v1/chat/completions like OpenAI and misbehaves on purpose.
// Tests script each request by its prompt (the last user message) and its attempt number for that prompt.
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";

export type Behaviour =
  /** A normal completion; `content` defaults to the server's `answer(body)`. */
  | {
      kind: "ok";
      content?: string;
      toolCalls?: Array<{ name: string; arguments: string }>;
      /** Reasoning beside the answer, under DeepSeek's and vLLM's `reasoning_content` or OpenRouter's `reasoning`. */
      reasoning?: { field: "reasoning_content" | "reasoning"; text: string };
      latencyMs?: number;
    }
  /** 429 with optional `retry-after` (seconds or HTTP date) and `retry-after-ms` headers. */
  | { kind: "rate_limit"; retryAfter?: string; retryAfterMs?: string; latencyMs?: number }
  /** An error status in OpenAI's `{error:{...}}` shape (500, 503, 400, 401, 404 …). */
  | { kind: "status"; status: number; latencyMs?: number }
  /** An error with OpenAI's message, param and code (e.g. a 400 `unsupported_parameter` naming `max_tokens`). */
  | { kind: "error"; status: number; message: string; param: string | null; code: string | null; latencyMs?: number }
  /** Accepts the request and never answers (the client must time out). */
  | { kind: "hang" }
  /** 200 with `content-type: application/json` and a body that is not JSON. */
  | { kind: "malformed"; latencyMs?: number }
  /** Destroys the connection without a response. */
  | { kind: "reset"; latencyMs?: number };

export interface ChatBody {
  model: string;
  messages: Array<{ role: string; content?: unknown }>;
  [key: string]: unknown;
}

export interface FakeRequest {
  /** 0-based arrival order over all requests. */
  index: number;
  /** The prompt: the last user message's content. */
  key: string;
  /** 1-based count of requests with this key so far. */
  attempt: number;
  body: ChatBody;
  behaviour: Behaviour["kind"];
  /** True when the client closed the connection before a response was sent (abort or timeout). */
  abandoned: boolean;
}

export interface FakeOpenAIOptions {
  /** Chooses the behaviour of each request; `undefined` means `{ kind: "ok" }`. */
  script?: (request: { index: number; key: string; attempt: number; body: ChatBody }) => Behaviour | undefined;
  /** The answer of an `ok` request without `content`; default: echo the prompt. */
  answer?: (body: ChatBody) => string;
  /** Latency of every request without its own `latencyMs`. */
  latencyMs?: number;
}

export interface FakeOpenAI {
  /** `http://127.0.0.1:PORT/v1` */
  baseURL: string;
  requests: FakeRequest[];
  /** Requests with a key, in arrival order. */
  requestsFor(key: string): FakeRequest[];
  /** A real SDK client for this server (default retries left on: the runner must turn them off per request). */
  client(): OpenAI;
  close(): Promise<void>;
}

export function promptOf(body: ChatBody): string {
  const last = body.messages.findLast((message) => message.role === "user");
  return typeof last?.content === "string" ? last.content : JSON.stringify(last?.content ?? "");
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const requests: FakeRequest[] = [];
  const attempts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const answer = options.answer ?? promptOf;

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      return sendJson(res, 404, {
        error: { message: `no route ${req.method} ${req.url}`, type: "invalid_request_error", param: null, code: null },
      });
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatBody;
    const key = promptOf(body);
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const index = requests.length;
    const behaviour = options.script?.({ index, key, attempt, body }) ?? { kind: "ok" };
    const record: FakeRequest = { index, key, attempt, body, behaviour: behaviour.kind, abandoned: false };
    requests.push(record);
    let responded = false;
    res.on("close", () => {
      if (!responded) record.abandoned = true;
    });
    if (behaviour.kind === "hang") return;
    await delay(("latencyMs" in behaviour ? behaviour.latencyMs : undefined) ?? options.latencyMs ?? 0);
    if (res.destroyed) return;
    responded = true;
    switch (behaviour.kind) {
      case "ok": {
        const content = behaviour.content ?? answer(body);
        return sendJson(res, 200, completion(body, content, behaviour.toolCalls, behaviour.reasoning));
      }
      case "rate_limit": {
        const headers: Record<string, string> = {};
        if (behaviour.retryAfter !== undefined) headers["retry-after"] = behaviour.retryAfter;
        if (behaviour.retryAfterMs !== undefined) headers["retry-after-ms"] = behaviour.retryAfterMs;
        return sendJson(
          res,
          429,
          { error: { message: "Rate limit reached", type: "requests", param: null, code: "rate_limit_exceeded" } },
          headers,
        );
      }
      case "status":
        return sendJson(res, behaviour.status, {
          error: {
            message: `status ${behaviour.status}`,
            type: behaviour.status >= 500 ? "server_error" : "invalid_request_error",
            param: null,
            code: null,
          },
        });
      case "error":
        return sendJson(res, behaviour.status, {
          error: { message: behaviour.message, type: "invalid_request_error", param: behaviour.param, code: behaviour.code },
        });
      case "malformed":
        res.writeHead(200, { "content-type": "application/json" });
        return res.end('{"id": "chatcmpl-broken", "choices": [');
      case "reset":
        return req.socket.destroy();
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error), type: "server_error", param: null, code: null } });
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const baseURL = `http://127.0.0.1:${port}/v1`;

  return {
    baseURL,
    requests,
    requestsFor: (key) => requests.filter((request) => request.key === key),
    client: () => new OpenAI({ baseURL, apiKey: "test" }),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let counter = 0;

function completion(
  body: ChatBody,
  content: string,
  toolCalls: Array<{ name: string; arguments: string }> | undefined,
  reasoning?: { field: string; text: string },
) {
  const promptTokens = Math.ceil(JSON.stringify(body.messages).length / 4);
  const completionTokens = Math.max(1, Math.ceil(content.length / 4));
  return {
    id: `chatcmpl-fake-${++counter}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: toolCalls ? null : content,
          refusal: null,
          ...(reasoning ? { [reasoning.field]: reasoning.text } : {}),
          ...(toolCalls ? { tool_calls: toolCalls.map((call, i) => ({ id: `call_${i}`, type: "function", function: call })) } : {}),
        },
        finish_reason: toolCalls ? "tool_calls" : "stop",
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0 },
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
