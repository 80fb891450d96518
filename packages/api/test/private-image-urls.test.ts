// An upload naming http(s) images makes the server fetch them. A hostile client could name the server's own or its
// network's services (127.0.0.1, 10.x, 169.254.169.254, a name resolving to one of them), so by default the server
// fetches public addresses only: such an upload is refused naming the line and the reason, and nothing is written.
// `tunelab serve --allow-private-image-urls` (allowPrivateImageUrls) lets a team fetch from its own network.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { IMAGES } from "@tunelab/formats/test-support/images";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempWorkspace } from "../../../packages/core/src/test-support/temp-workspace.ts";
import { createApiApp, createServices } from "../src/index.ts";

const PNG = Buffer.from(IMAGES.pngRgb, "base64");
let server: Server;
let base: string;
let hits = 0;
let ws: Awaited<ReturnType<typeof tempWorkspace>>;

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { "content-type": "image/png" }).end(PNG);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ws = await tempWorkspace();
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await ws.dispose();
});

const example = (url: string, answer: string) =>
  JSON.stringify({
    messages: [
      { role: "system", content: "Read the digit." },
      {
        role: "user",
        content: [
          { type: "text", text: "Which digit is this?" },
          { type: "image_url", image_url: { url, detail: "low" } },
        ],
      },
      { role: "assistant", content: answer },
    ],
  });
const file = (url: string) => `${Array.from({ length: 10 }, (_, i) => example(url, `{"digit":${i}}`)).join("\n")}\n`;
const upload = (app: ReturnType<typeof createApiApp>, body: string) =>
  app.request("/api/projects/digits/datasets/train/versions", {
    method: "POST",
    body,
    headers: { "content-type": "application/x-ndjson" },
  });

describe("http(s) images named by an upload", () => {
  it("are fetched from public addresses only, unless the server allows private ones", async () => {
    const services = createServices({ ws, config: { providers: {} } });
    const guarded = createApiApp({ services });
    const created = await guarded.request("/api/projects", {
      method: "POST",
      body: JSON.stringify({ name: "digits" }),
      headers: { "content-type": "application/json" },
    });
    expect(created.status).toBe(201);

    for (const url of [`${base}/seven.png`, `http://localhost:${new URL(base).port}/seven.png`]) {
      const refused = await upload(guarded, file(url));
      expect(refused.status).toBe(422);
      const body = (await refused.json()) as {
        error: { details: { issues: Array<{ code: string; line: number; path: string; message: string }> } };
      };
      const issue = body.error.details.issues.find((i) => i.code === "invalid_image");
      expect(issue).toMatchObject({ line: 1, path: "messages[1].content[1].image_url.url" });
      expect(issue?.message).toMatch(/private IP address/i);
    }
    expect(hits).toBe(0);
    expect((await (await guarded.request("/api/projects/digits/datasets")).json()) as { data: unknown[] }).toEqual({ data: [] });

    const trusting = createApiApp({ services, allowPrivateImageUrls: true });
    const stored = await upload(trusting, file(`${base}/seven.png`));
    expect(stored.status, await stored.clone().text()).toBe(201);
    expect(hits).toBe(1);
  });
});
