import type { Workspace } from "@tunelab/core";
import type { Engine } from "@tunelab/engine";
import { bodyLimit } from "hono/body-limit";
import { bearerAuth } from "./http/auth.ts";
import { apiError, onError } from "./http/errors.ts";
import { router } from "./http/router.ts";
import { datasetRoutes } from "./routes/datasets.ts";
import { projectRoutes } from "./routes/projects.ts";

export interface ApiOptions {
  ws: Workspace;
  /** The embedded engine, mounted at /v1 when given. */
  engine?: Engine;
  /** Bearer token required on /api and /v1 (required whenever the server listens beyond loopback). */
  token?: string;
  /** Largest request body in bytes (default 256 MB). */
  maxBodyBytes?: number;
}

/** The tunelab HTTP API: `/api/*` (documented at /api/openapi.json) and the engine at `/v1`. */
export function createApiApp(options: ApiOptions) {
  const { ws } = options;
  const limit = bodyLimit({
    maxSize: options.maxBodyBytes ?? 256 * 1024 * 1024,
    onError: (c) => apiError(c, 413, "payload_too_large", "request body too large"),
  });
  const api = router().route("/", projectRoutes(ws)).route("/", datasetRoutes(ws));
  api.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "tunelab API", version: "0.1.0", description: "Datasets, test splits, experiments, eval runs, leaderboard." },
  });

  const app = router();
  app.use("/api/*", bearerAuth(options.token), limit);
  app.use("/v1/*", bearerAuth(options.token));
  const routes = app.route("/api", api);
  if (options.engine) {
    const engine = options.engine;
    app.all("/v1/*", (c) => engine.app.fetch(c.req.raw));
  }
  app.notFound((c) => apiError(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  app.onError(onError);
  return routes;
}

export type AppType = ReturnType<typeof createApiApp>;
