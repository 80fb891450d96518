import { z } from "@hono/zod-openapi";

/**
 * Core's object schema as an OpenAPI component (`#/components/schemas/NAME`), with more properties when given. Core's
 * schemas come from plain zod (a test runner may load it apart from @hono/zod-openapi's, without `.openapi()`), so
 * the shape is copied into an object that has it.
 */
export function named<S extends z.ZodRawShape, E extends z.ZodRawShape = Record<never, never>>(
  schema: { shape: S },
  name: string,
  extra?: E,
) {
  const shape = { ...schema.shape, ...extra } as unknown as Omit<S, keyof E> & E;
  return z.object(shape).openapi(name);
}
