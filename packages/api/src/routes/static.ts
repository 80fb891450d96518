import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { Hono } from "hono";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

/** The built single-page app: files by path (never outside `root`), anything else falls back to index.html. */
export function staticRoutes(root: string): Hono {
  const app = new Hono();
  const base = normalize(root + sep);
  app.get("*", (c) => {
    let path: string;
    try {
      path = decodeURIComponent(c.req.path);
    } catch {
      return c.text("bad path", 400);
    }
    const requested = normalize(join(base, path));
    const file = requested.startsWith(base) && existsSync(requested) && statSync(requested).isFile() ? requested : join(base, "index.html");
    if (!existsSync(file)) return c.text("The web app is not built: run `pnpm --filter @tunelab/web build`.", 404);
    const type = TYPES[extname(file)] ?? "application/octet-stream";
    const cache = file.includes(`${sep}assets${sep}`) ? "public, max-age=31536000, immutable" : "no-cache";
    return c.body(readFileSync(file), 200, { "content-type": type, "cache-control": cache });
  });
  return app;
}
