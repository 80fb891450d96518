import { bodyLimit } from "hono/body-limit";
import { bearerAuth } from "./http/auth.ts";
import { apiError, onError } from "./http/errors.ts";
import { router } from "./http/router.ts";
import { datasetRoutes } from "./routes/datasets.ts";
import { evalRunRoutes } from "./routes/eval-runs.ts";
import { eventRoutes } from "./routes/events.ts";
import { experimentRoutes } from "./routes/experiments.ts";
import { graderRoutes } from "./routes/graders.ts";
import { leaderboardRoutes } from "./routes/leaderboard.ts";
import { projectRoutes } from "./routes/projects.ts";
import { staticRoutes } from "./routes/static.ts";
import type { ApiServices } from "./services.ts";

export interface ApiOptions {
  services: ApiServices;
  /** Bearer token required on /api and /v1 (required whenever the server listens beyond loopback). */
  token?: string;
  /** Largest request body in bytes (default 256 MB). */
  maxBodyBytes?: number;
  /** Directory of the built web app, served at `/`. */
  webDir?: string;
}

/** The tunelab HTTP API: `/api/*` (documented at /api/openapi.json), live events, the engine at `/v1`, the web app at `/`. */
export function createApiApp(options: ApiOptions) {
  const { services } = options;
  const { ws } = services;
  const limit = bodyLimit({
    maxSize: options.maxBodyBytes ?? 256 * 1024 * 1024,
    onError: (c) => apiError(c, 413, "payload_too_large", "request body too large"),
  });
  const api = router()
    .route("/", projectRoutes(ws))
    .route("/", datasetRoutes(ws))
    .route("/", graderRoutes(ws))
    .route("/", experimentRoutes(services))
    .route("/", evalRunRoutes(services))
    .route("/", leaderboardRoutes(ws, services.prices));
  api.route("/", eventRoutes(services));
  api.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "tunelab API",
      version: "0.1.0",
      description: "Datasets, test splits, graders, experiments, eval runs, leaderboard and compare.",
    },
  });
  api.notFound((c) => apiError(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));

  const app = router();
  app.use("/api/*", bearerAuth(options.token), limit);
  app.use("/v1/*", bearerAuth(options.token));
  const routes = app.route("/api", api);
  const engine = services.engine;
  if (engine) app.all("/v1/*", (c) => engine.app.fetch(c.req.raw));
  if (options.webDir) app.route("/", staticRoutes(options.webDir));
  app.notFound((c) => apiError(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  app.onError(onError);
  return routes;
}

export type AppType = ReturnType<typeof createApiApp>;
