import { OpenAPIHono } from "@hono/zod-openapi";
import { apiError } from "./errors.ts";

/** A router whose request validation failures answer 400 `{error: {code, message, details}}` naming the field. */
export function router(): OpenAPIHono {
  return new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
      const first = issues[0];
      return apiError(c, 400, "invalid_argument", first ? `${first.path || "body"}: ${first.message}` : "invalid request", issues);
    },
  });
}
