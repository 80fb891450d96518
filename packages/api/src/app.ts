import { bodyLimit } from "hono/body-limit";
import { access } from "./http/auth.ts";
import { apiBodies, bodyType, openaiBodies } from "./http/body-type.ts";
import { apiError, onError } from "./http/errors.ts";
import { type HostPolicy, hostCheck } from "./http/hosts.ts";
import { jsonDepthLimit } from "./http/json-depth.ts";
import { router } from "./http/router.ts";
import { sameOrigin } from "./http/same-origin.ts";
import { sessionRoutes } from "./http/session.ts";
import { datasetRoutes } from "./routes/datasets.ts";
import { evalRunRoutes } from "./routes/eval-runs.ts";
import { eventRoutes } from "./routes/events.ts";
import { experimentRoutes } from "./routes/experiments.ts";
import { graderRoutes } from "./routes/graders.ts";
import { leaderboardRoutes } from "./routes/leaderboard.ts";
import { modelRoutes } from "./routes/models.ts";
import { projectRoutes } from "./routes/projects.ts";
import { staticRoutes } from "./routes/static.ts";
import { userRoutes } from "./routes/users.ts";
import type { ApiServices } from "./services.ts";

export interface ApiOptions {
  services: ApiServices;
  /**
   * TUNELAB_TOKEN: an admin token required on /api and /v1 as a bearer token or the web app's session cookie (required
   * beyond loopback). Users' tokens (`tunelab users add`) are accepted too, with their roles; once a user exists, a
   * token is required even without this.
   */
  token?: string;
  /** A one-time code that signs a browser in at `/login?token=CODE` (printed by `tunelab serve`). */
  loginCode?: string;
  /**
   * The `Host` headers served (DNS rebinding); a getter, since the port is known once listening. Without it any
   * Host is served (in-process callers); `listenApi` always sets it.
   */
  hosts?: () => HostPolicy | undefined;
  /** Largest request body in bytes (default 256 MB). */
  maxBodyBytes?: number;
  /** Directory of the built web app, served at `/`. */
  webDir?: string;
  /**
   * Let HTTP clients register, try and run graders that execute code (python, custom modules): `tunelab serve
   * --allow-code-graders`. Default false: those requests get 403 `code_graders_disabled`.
   */
  allowCodeGraders?: boolean;
  /**
   * Let uploads name http(s) images on this machine or its private network (loopback, private, link-local addresses):
   * `tunelab serve --allow-private-image-urls`. Default false: the server fetches public addresses only.
   */
  allowPrivateImageUrls?: boolean;
}

/** The tunelab HTTP API: `/api/*` (documented at /api/openapi.json), live events, the engine at `/v1`, the web app at `/`. */
export function createApiApp(options: ApiOptions) {
  const { services } = options;
  const { ws } = services;
  const code = { allowCodeGraders: options.allowCodeGraders === true };
  const limit = bodyLimit({
    maxSize: options.maxBodyBytes ?? 256 * 1024 * 1024,
    onError: (c) => apiError(c, 413, "payload_too_large", "request body too large"),
  });
  const api = router()
    .route("/", projectRoutes(ws))
    .route("/", datasetRoutes(ws, { imageFetch: { publicOnly: options.allowPrivateImageUrls !== true } }))
    .route("/", graderRoutes(ws, code))
    .route("/", experimentRoutes(services, code))
    .route("/", evalRunRoutes(services, code))
    .route("/", leaderboardRoutes(ws, services.prices))
    .route("/", modelRoutes(services.local))
    .route("/", userRoutes(ws));
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
  // the browser guards: Host on every route; on /api and /v1 same-origin for changes, the token, JSON bodies (their
  // size on /api, their nesting on both)
  const hosts = options.hosts;
  if (hosts) app.use("*", hostCheck(hosts));
  const auth = access({ token: options.token, db: ws.db });
  const depth = jsonDepthLimit();
  app.use("/api/*", sameOrigin(hosts), auth, bodyType(apiBodies), limit, depth);
  app.use("/v1/*", sameOrigin(hosts), auth, bodyType(openaiBodies), depth);
  app.route("/", sessionRoutes({ token: options.token, db: ws.db, loginCode: options.loginCode }));
  const routes = app.route("/api", api);
  const engine = services.engine;
  if (engine) app.all("/v1/*", (c) => engine.app.fetch(c.req.raw));
  // an unknown /api route (GET /api/projects/P/sweeps, a typo) is a JSON 404, not the web app's index.html with a 200
  app.all("/api/*", (c) => apiError(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  if (options.webDir) app.route("/", staticRoutes(options.webDir));
  app.notFound((c) => apiError(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  app.onError(onError);
  return routes;
}

export type AppType = ReturnType<typeof createApiApp>;
