import { OpenAPIHono } from "@hono/zod-openapi";
import { apiError } from "./errors.ts";

/** A validation issue's field: its path, and for an unknown key that key (`bogus`, not the object holding it). */
function fieldOf(issue: { path: PropertyKey[]; code?: string; keys?: string[] }): string {
  const path = issue.path.map(String);
  const key = issue.code === "unrecognized_keys" ? issue.keys?.[0] : undefined;
  return (key === undefined ? path : [...path, key]).join(".");
}

/** A router whose request validation failures answer 400 `{error: {code, message, details}}` naming the field. */
export function router(): OpenAPIHono {
  return new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues.map((i) => ({ path: fieldOf(i), message: i.message }));
      const first = issues[0];
      return apiError(c, 400, "invalid_argument", first ? `${first.path || "body"}: ${first.message}` : "invalid request", issues);
    },
  });
}
