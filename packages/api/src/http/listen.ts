import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createAdaptorServer, type ServerType } from "@hono/node-server";
import { TunelabError } from "@tunelab/core";
import { type ApiOptions, createApiApp } from "../app.ts";
import { HostPolicy } from "./hosts.ts";

export interface ListenOptions extends Omit<ApiOptions, "hosts" | "loginCode"> {
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Port (0 picks a free one). */
  port: number;
  /** More `Host` names to serve (`--allowed-host`): a reverse proxy's name, a LAN name. */
  allowedHosts?: readonly string[];
}

export interface ListeningApi {
  server: ServerType;
  /** `http://HOST:PORT` as a browser on this machine opens it. */
  url: string;
  port: number;
  hosts: HostPolicy;
  /** With a token: the one-time link that signs a browser in (`URL/login?token=CODE`). */
  loginUrl?: string;
  /** Stops listening and drops open connections (live event streams stay open otherwise). */
  close(): Promise<void>;
}

/**
 * The server `tunelab serve` runs: the API app with every browser guard on (Host allow-list for the bound address,
 * same-origin changes, JSON bodies, the token), listening on `host:port`.
 */
export async function listenApi(options: ListenOptions): Promise<ListeningApi> {
  const { host = "127.0.0.1", port, allowedHosts = [], ...api } = options;
  let hosts: HostPolicy | undefined;
  const loginCode = api.token === undefined ? undefined : randomBytes(24).toString("base64url");
  const app = createApiApp({ ...api, hosts: () => hosts, ...(loginCode ? { loginCode } : {}) });
  const server = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  hosts = new HostPolicy({ host, port: address.port }, allowedHosts);
  const shown = ["0.0.0.0", "::", ""].includes(host)
    ? "127.0.0.1"
    : address.address.includes(":")
      ? `[${address.address}]`
      : address.address;
  const url = `http://${shown}:${address.port}`;
  return {
    server,
    url,
    port: address.port,
    hosts,
    ...(loginCode ? { loginUrl: `${url}/login?token=${loginCode}` } : {}),
    close: () =>
      new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Why the server could not listen, as one line for the user (a port taken, an address not on this machine). */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  if (error.code === "EADDRINUSE")
    return new TunelabError("conflict", `${where} is already in use (another tunelab serve?); pass another --port`, { cause: error });
  if (error.code === "EACCES")
    return new TunelabError(
      "invalid_argument",
      `${where}: not allowed to listen there (ports below 1024 need privileges); pass another --port`,
      {
        cause: error,
      },
    );
  if (error.code === "EADDRNOTAVAIL")
    return new TunelabError("invalid_argument", `${where}: ${host} is not an address of this machine; pass another --host`, {
      cause: error,
    });
  return error;
}
