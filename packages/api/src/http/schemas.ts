import { z } from "@hono/zod-openapi";

export const Name = z
  .string()
  .min(1)
  .max(64)
  // no regex flags: the OpenAPI document carries the pattern as is (JSON Schema patterns have none)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "1-64 letters, digits, '.', '_' or '-'")
  .openapi({ example: "ticket-router" });

export const ProjectParams = z.object({ project: Name.openapi({ param: { name: "project", in: "path" } }) });

export const ErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) })
  .openapi("Error");

/** Any JSON object: the body of `PUT /projects/{project}/graders` (a grader file in any of its shapes, parsed by core). */
export const AnyJson = z.any().openapi({ type: "object" });

/** A JSON response of a route, its schema kept in the type (what `hc<AppType>` infers a response body from). */
export const json = <S extends z.ZodType>(schema: S, description: string) => ({ content: { "application/json": { schema } }, description });

export const errors = {
  400: json(ErrorBody, "Invalid input"),
  404: json(ErrorBody, "Not found"),
};
