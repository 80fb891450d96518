// The `local` provider's client: non-streaming chat completions go straight to the engine's fetch (one POST with the
// JSON body, no SDK request machinery) and fail with the SDK's own error classes, so the eval runner classifies them
// as a remote provider's; every other call still goes through the SDK with the engine's fetch.
import { getEventListeners } from "node:events";
import { classifyError } from "@tunelab/evals";
import { APIConnectionError, APIUserAbortError, BadRequestError, InternalServerError, RateLimitError } from "openai";
import { describe, expect, it } from "vitest";
import { LOCAL_BASE_URL, type LocalChat, type LocalFetch, localClient } from "./local-client.ts";
import { Providers } from "./providers.ts";

const completion = (content: string, model = "m") => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 0,
  model,
  choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, finish_reason: "stop", logprobs: null }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});

/** An engine answering chat completions with the last user message reversed; what it was sent, recorded. */
function engine(answer?: (request: Request) => Response | Promise<Response>) {
  const seen: { method: string; url: string; contentType: string | null; body: unknown }[] = [];
  const fetch: LocalFetch = async (request) => {
    const body = request.method === "POST" ? await request.clone().json() : undefined;
    seen.push({ method: request.method, url: request.url, contentType: request.headers.get("content-type"), body });
    if (answer) return answer(request);
    if (request.url.endsWith("/models"))
      return Response.json({ object: "list", data: [{ id: "m", object: "model", created: 0, owned_by: "x" }] });
    const { messages, model } = body as { model: string; messages: { content: string }[] };
    return Response.json(completion([...(messages.at(-1)?.content ?? "")].reverse().join(""), model));
  };
  return { fetch, seen };
}

const body = { model: "m", messages: [{ role: "user" as const, content: "abc" }], temperature: 0 };

describe("localClient", () => {
  it("posts a chat completion straight to the engine's fetch and returns its JSON answer", async () => {
    const { fetch, seen } = engine();
    const client = localClient(fetch);
    const response = await client.chat.completions.create(body);
    expect(response.choices[0]?.message.content).toBe("cba");
    expect(response.usage?.total_tokens).toBe(4);
    expect(seen).toEqual([{ method: "POST", url: `${LOCAL_BASE_URL}/chat/completions`, contentType: "application/json", body }]);
  });

  it("sends other endpoints through the SDK with the engine's fetch", async () => {
    const { fetch, seen } = engine();
    const models = await localClient(fetch).models.list();
    expect(models.data.map((m) => m.id)).toEqual(["m"]);
    expect(seen[0]?.url).toBe(`${LOCAL_BASE_URL}/models`);
  });

  it("fails with the SDK's error classes, which the runner classifies as a remote provider's", async () => {
    const status = (code: number, error: unknown, headers: Record<string, string> = {}) =>
      localClient(engine(() => Response.json(error, { status: code, headers })).fetch).chat.completions.create(body);
    const bad = await status(400, { error: { message: "unknown model m", type: "invalid_request_error" } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(BadRequestError);
    expect((bad as BadRequestError).message).toContain("unknown model m");
    expect(classifyError(bad, false, 0)).toMatchObject({ error: { type: "http_error", status: 400 }, retryable: false });

    const limited = await status(429, { error: { message: "busy" } }, { "retry-after": "2" }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(classifyError(limited, false, 0)).toMatchObject({ error: { type: "rate_limited" }, retryable: true, retryAfterMs: 2000 });

    const text = await localClient(engine(() => new Response("boom", { status: 500 })).fetch)
      .chat.completions.create(body)
      .catch((e: unknown) => e);
    expect(text).toBeInstanceOf(InternalServerError);
    expect((text as Error).message).toContain("boom");

    const thrown = await localClient(
      engine(() => {
        throw new Error("engine down");
      }).fetch,
    )
      .chat.completions.create(body)
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(APIConnectionError);
    expect(classifyError(thrown, false, 0)).toMatchObject({ error: { type: "connection_error" }, retryable: true });

    const malformed = await localClient(engine(() => new Response("{not json", { status: 200 })).fetch)
      .chat.completions.create(body)
      .catch((e: unknown) => e);
    expect(classifyError(malformed, false, 0)).toMatchObject({ error: { type: "malformed_response" }, retryable: true });
  });

  it("settles at once when the signal aborts, before or while the engine answers", async () => {
    const aborted = new AbortController();
    aborted.abort();
    const { fetch, seen } = engine();
    await expect(localClient(fetch).chat.completions.create(body, { signal: aborted.signal })).rejects.toBeInstanceOf(APIUserAbortError);
    expect(seen).toHaveLength(0); // never sent

    let release: () => void = () => {};
    const slow = engine(
      () =>
        new Promise<Response>((resolve) => {
          release = () => resolve(Response.json(completion("late")));
        }),
    );
    const controller = new AbortController();
    const pending = localClient(slow.fetch).chat.completions.create(body, { signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
    release(); // the late answer is dropped
  });

  it("is what Providers gives for `local`", async () => {
    const { fetch, seen } = engine();
    const providers = new Providers({ config: { providers: {} }, localFetch: fetch });
    const response = await providers.client("local").chat.completions.create(body);
    expect(response.choices[0]?.message.content).toBe("cba");
    expect(seen).toHaveLength(1);
  });
});

/** Answers the first request waiting in `releases` once it has arrived. */
async function settle(releases: (() => void)[]): Promise<void> {
  while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve));
  releases.shift()?.();
}

/** An engine's in-process chat completion: answers with the last user message reversed; the bodies it got, recorded. */
function inProcess(answer?: (body: object) => ReturnType<LocalChat>) {
  const seen: object[] = [];
  const chat: LocalChat = async (b) => {
    seen.push(b);
    if (answer) return answer(b);
    const { messages, model } = b as { model: string; messages: { content: string }[] };
    return { status: 200, body: completion([...(messages.at(-1)?.content ?? "")].reverse().join(""), model) };
  };
  return { chat, seen };
}

describe("localClient with the engine's in-process chat completion", () => {
  it("hands non-streaming chat completions to it, the body as JSON would carry it, and nothing to fetch", async () => {
    const rest = engine();
    const { chat, seen } = inProcess();
    const client = localClient(rest.fetch, chat);
    const response = await client.chat.completions.create({ ...body, n: 1, ...({ max_tokens: undefined } as object) });
    expect(response.choices[0]?.message.content).toBe("cba");
    expect(seen).toEqual([{ ...body, n: 1 }]);
    expect(Object.keys(seen[0] ?? {})).not.toContain("max_tokens"); // left out, as JSON leaves out undefined
    expect(rest.seen).toHaveLength(0);
    // other endpoints still go over the engine's REST surface
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(["m"]);
    expect(rest.seen.map((r) => r.url)).toEqual([`${LOCAL_BASE_URL}/models`]);
  });

  it("fails with the SDK's error classes, as over fetch", async () => {
    const failing = (answer: (b: object) => ReturnType<LocalChat>) =>
      localClient(engine().fetch, inProcess(answer).chat)
        .chat.completions.create(body)
        .catch((e: unknown) => e);
    const bad = await failing(async () => ({
      status: 400,
      body: { error: { message: "unknown model m", type: "invalid_request_error", param: "model" } },
    }));
    expect(bad).toBeInstanceOf(BadRequestError);
    expect(bad).toMatchObject({ status: 400, param: "model" });
    expect((bad as Error).message).toContain("unknown model m");
    expect(classifyError(bad, false, 0)).toMatchObject({ error: { type: "http_error", status: 400 }, retryable: false });

    const limited = await failing(async () => ({ status: 429, body: { error: { message: "busy" } } }));
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(classifyError(limited, false, 0)).toMatchObject({ error: { type: "rate_limited" }, retryable: true });

    const internal = await failing(async () => ({ status: 500, body: { error: { message: "boom", type: "server_error" } } }));
    expect(internal).toBeInstanceOf(InternalServerError);

    const thrown = await failing(async () => {
      throw new Error("engine down");
    });
    expect(thrown).toBeInstanceOf(APIConnectionError);
    expect(classifyError(thrown, false, 0)).toMatchObject({ error: { type: "connection_error" }, retryable: true });

    const notAnObject = await failing(async () => ({ status: 200, body: "text" }));
    expect(classifyError(notAnObject, false, 0)).toMatchObject({ error: { type: "malformed_response" }, retryable: true });
  });

  it("settles at once when the signal aborts, before or while the engine answers", async () => {
    const aborted = new AbortController();
    aborted.abort();
    const { chat, seen } = inProcess();
    await expect(localClient(engine().fetch, chat).chat.completions.create(body, { signal: aborted.signal })).rejects.toBeInstanceOf(
      APIUserAbortError,
    );
    expect(seen).toHaveLength(0);

    let release: () => void = () => {};
    const slow = inProcess(
      () =>
        new Promise((resolve) => {
          release = () => resolve({ status: 200, body: completion("late") });
        }),
    );
    const controller = new AbortController();
    const pending = localClient(engine().fetch, slow.chat).chat.completions.create(body, { signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
    release();
  });

  it("listens once to a signal that many requests share, and still aborts each of them", async () => {
    const releases: (() => void)[] = [];
    const slow = inProcess(
      () =>
        new Promise((resolve) => {
          releases.push(() => resolve({ status: 200, body: completion("late") }));
        }),
    );
    const client = localClient(engine().fetch, slow.chat);
    const controller = new AbortController();
    const first = await Promise.all([client.chat.completions.create(body, { signal: controller.signal }), settle(releases)]);
    expect(first[0].choices[0]?.message.content).toBe("late");
    const pending = Array.from({ length: 20 }, () => client.chat.completions.create(body, { signal: controller.signal }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1); // not one per request
    controller.abort();
    for (const request of pending) await expect(request).rejects.toBeInstanceOf(APIUserAbortError);
    for (const release of releases) release(); // the late answers are dropped
    expect(slow.seen).toHaveLength(21);
  });

  it("sends streaming chat completions over fetch, through the SDK", async () => {
    const rest = engine(
      () =>
        new Response(
          'data: {"id":"c","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\ndata: [DONE]\n\n',
          {
            headers: { "content-type": "text/event-stream" },
          },
        ),
    );
    const { chat, seen } = inProcess();
    const stream = await localClient(rest.fetch, chat).chat.completions.create({ ...body, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("hi");
    expect(seen).toHaveLength(0);
    expect(rest.seen).toHaveLength(1);
  });

  it("is what Providers gives for `local` when the engine has it", async () => {
    const rest = engine();
    const { chat, seen } = inProcess();
    const providers = new Providers({ config: { providers: {} }, localFetch: rest.fetch, localChat: chat });
    expect((await providers.client("local").chat.completions.create(body)).choices[0]?.message.content).toBe("cba");
    expect(seen).toHaveLength(1);
    expect(rest.seen).toHaveLength(0);
  });
});
