// ProviderHttp against a loopback host that answers 200 with a body that is not JSON (a proxy's HTML page, a body cut
// off mid-way): the failure names the provider and the call and stays transient, instead of a bare SyntaxError. It also
// hangs on purpose (no answer at all; headers, then a body that stalls): the call ends at its own time limit.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ProviderHttp, statusOf } from "./http.ts";

let server: Server;
let baseURL: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.includes("/hang")) return; // never answers
    if (req.url?.includes("/stall")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"id": "ft-1", ');
      return; // the rest never comes
    }
    res.setHeader("content-type", "application/json");
    res.end(req.url?.startsWith("/cut") ? '{"id": "ft-1", "status": "runn' : "<html><body>502 Bad Gateway</body></html>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // the hung ones
    }),
);

it("says which provider and call answered a body that is not JSON, as a transient failure", async () => {
  const http = new ProviderHttp({ provider: "together", baseURL, headers: {} });
  for (const path of ["/fine-tunes/ft-1", "/cut/ft-1"]) {
    const error = await http.json("GET", path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(new RegExp(`^provider together: GET ${path} answered 200 with a body that is not JSON: `));
    expect(statusOf(error)).toBeUndefined();
  }
});

it("gives up on a call that hangs (no answer, or a body that stalls) at its time limit, naming provider and call, as transient", async () => {
  const http = new ProviderHttp({ provider: "fireworks", baseURL, headers: {}, timeoutMs: 200 });
  for (const path of ["/hang/job", "/stall/job"]) {
    const error = await http.json("GET", path).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`provider fireworks: GET ${path} did not answer within 0.2 s`);
    expect(statusOf(error)).toBeUndefined();
  }
});

it("stops at once when the caller aborts, whatever the time limit", async () => {
  const http = new ProviderHttp({ provider: "fireworks", baseURL, headers: {} });
  const abort = new AbortController();
  const pending = http.json("GET", "/hang/job", { signal: abort.signal }).catch((e: unknown) => e);
  abort.abort(new Error("cancelled by the user"));
  expect(((await pending) as Error).message).toBe("cancelled by the user");
});
