// ProviderHttp against a loopback host that answers 200 with a body that is not JSON (a proxy's HTML page, a body cut
// off mid-way): the failure names the provider and the call and stays transient, instead of a bare SyntaxError.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ProviderHttp, statusOf } from "./http.ts";

let server: Server;
let baseURL: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(req.url?.startsWith("/cut") ? '{"id": "ft-1", "status": "runn' : "<html><body>502 Bad Gateway</body></html>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it("says which provider and call answered a body that is not JSON, as a transient failure", async () => {
  const http = new ProviderHttp({ provider: "together", baseURL, headers: {} });
  for (const path of ["/fine-tunes/ft-1", "/cut/ft-1"]) {
    const error = await http.json("GET", path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(new RegExp(`^provider together: GET ${path} answered 200 with a body that is not JSON: `));
    expect(statusOf(error)).toBeUndefined();
  }
});
