import type { MiddlewareHandler } from "hono";
import type { HostPolicy } from "./hosts.ts";
import { refuse } from "./refuse.ts";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses (403 `cross_origin_refused`) a state-changing request a browser sent from another origin: an `Origin`
 * header that is not this server's (nor a configured `--allowed-host`), `Origin: null` (sandboxed frames, files),
 * or, without `Origin`, `Sec-Fetch-Site: cross-site|same-site`. Requests without these headers (the CLI, SDKs,
 * curl) pass: browsers always send them, other clients are not a cross-site request forgery.
 */
export function sameOrigin(policy: () => HostPolicy | undefined = () => undefined): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE.has(c.req.method)) return next();
    const origin = c.req.header("origin");
    const own = new URL(c.req.url).host;
    if (origin !== undefined) {
      let host: string | undefined;
      try {
        const url = new URL(origin);
        host = url.protocol === "http:" || url.protocol === "https:" ? url.host : undefined;
      } catch {
        host = undefined;
      }
      if (host === own || (host !== undefined && policy()?.named(host))) return next();
      return refuse(
        c,
        403,
        "cross_origin_refused",
        `a page on ${origin.slice(0, 200)} may not change data on this server (cross-origin requests are refused)`,
      );
    }
    const site = c.req.header("sec-fetch-site");
    if (site === "cross-site" || site === "same-site")
      return refuse(
        c,
        403,
        "cross_origin_refused",
        `a ${site} request may not change data on this server (cross-origin requests are refused)`,
      );
    return next();
  };
}
