import { isIP } from "node:net";
import type { MiddlewareHandler } from "hono";
import { refuse } from "./refuse.ts";

/** Where the server listens: the `--host` asked for and the port it got. */
export interface BoundAddress {
  host: string;
  port: number;
}

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]", ""]);

/** Splits a Host header (`name`, `name:port`, `[v6]:port`) into a lower-case host name and a port ("" when absent). */
export function splitHost(header: string): { name: string; port: string } {
  const value = header.trim().toLowerCase();
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    if (end < 0) return { name: value, port: "" };
    const rest = value.slice(end + 1);
    return { name: value.slice(0, end + 1), port: rest.startsWith(":") ? rest.slice(1) : "" };
  }
  const colon = value.lastIndexOf(":");
  return colon < 0 ? { name: value, port: "" } : { name: value.slice(0, colon), port: value.slice(colon + 1) };
}

const bracket = (host: string) => (isIP(host) === 6 ? `[${host.toLowerCase()}]` : host.toLowerCase());

/**
 * Which `Host` headers the server answers (against DNS rebinding: a page on `evil.example` whose name is made to
 * resolve to 127.0.0.1 still sends `Host: evil.example`). Accepted: 127.0.0.1, localhost and [::1] and the bound
 * host, each on the bound port; when bound to every interface (0.0.0.0 or ::), any IP literal on that port (an IP
 * address cannot be rebound); and the configured names (`--allowed-host NAME` on any port, `NAME:PORT` on that port).
 */
export class HostPolicy {
  private readonly exact = new Set<string>();
  private readonly anyPort = new Set<string>();
  private readonly namedExact = new Set<string>();
  private readonly anyIp: boolean;

  constructor(
    readonly bound: BoundAddress,
    readonly names: readonly string[] = [],
  ) {
    const port = String(bound.port);
    for (const name of ["127.0.0.1", "localhost", "[::1]", bracket(bound.host)]) {
      if (WILDCARDS.has(name)) continue;
      this.exact.add(`${name}:${port}`);
      if (port === "80") this.exact.add(name);
    }
    this.anyIp = WILDCARDS.has(bound.host);
    for (const configured of names) {
      const { name, port: p } = splitHost(configured);
      if (p) this.namedExact.add(`${name}:${p}`);
      else this.anyPort.add(name);
    }
  }

  allows(header: string): boolean {
    const { name, port } = splitHost(header);
    if (!name) return false;
    if (this.anyPort.has(name)) return true;
    const normalized = port ? `${name}:${port}` : name;
    if (this.exact.has(normalized) || this.namedExact.has(normalized)) return true;
    const ip = name.startsWith("[") ? name.slice(1, -1) : name;
    return this.anyIp && isIP(ip) !== 0 && (port === String(this.bound.port) || (!port && this.bound.port === 80));
  }

  /** Whether `host` is one of the configured names (an `Origin` on such a name may call the API, e.g. behind a proxy). */
  named(header: string): boolean {
    const { name, port } = splitHost(header);
    return this.anyPort.has(name) || this.namedExact.has(`${name}:${port}`);
  }
}

/**
 * Refuses (403 `host_not_allowed`) a request whose `Host` header, or the host of an absolute request target, the
 * policy does not allow. Applies to every route, GETs included: that is what defeats DNS rebinding.
 */
export function hostCheck(policy: () => HostPolicy | undefined): MiddlewareHandler {
  return async (c, next) => {
    const current = policy();
    const header = c.req.header("host");
    const target = new URL(c.req.url).host;
    const hosts = header === undefined || header === target ? [target] : [header, target];
    const refused = !current ? (header ?? target) : hosts.find((h) => !current.allows(h));
    if (refused !== undefined)
      return refuse(
        c,
        403,
        "host_not_allowed",
        `Host '${refused.slice(0, 200)}' is not served here; open tunelab at its own address, or start it with \`tunelab serve --allowed-host NAME\``,
      );
    return next();
  };
}
