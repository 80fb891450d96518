import type { Context } from "hono";
import type { z } from "zod";
import { badRequest } from "./openai-error.ts";

/** Parses a JSON body with zod; a bad body is a 400 naming the offending parameter, as OpenAI does. */
export async function jsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw badRequest(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
    );
  }
  return parseWith(schema, raw);
}

/** OpenAI's name of a parameter at a path: `hyperparameters.n_epochs`, `messages[0].content`. */
const paramName = (path: PropertyKey[]) =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");

export function parseWith<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  // a key the schema does not take: named as OpenAI names it (`Unknown parameter: 'foo'.`, param "foo")
  const unknownKey = issue?.code === "unrecognized_keys" ? issue.keys[0] : undefined;
  if (issue && unknownKey !== undefined) {
    const param = paramName([...issue.path, unknownKey]);
    throw badRequest(`Unknown parameter: '${param}'.`, param, "unknown_parameter");
  }
  const param = issue ? paramName(issue.path) : null;
  const missing = issue?.code === "invalid_type" && issue.message.includes("undefined");
  const message = missing ? `Missing required parameter: '${param}'.` : `Invalid '${param}': ${issue?.message ?? "invalid value"}.`;
  throw badRequest(message, param || null, missing ? "missing_required_parameter" : "invalid_value");
}

export function queryInt(value: string | undefined, name: string, fallback: number, max = 100): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw badRequest(`Invalid '${name}': expected an integer between 1 and ${max}.`, name, "invalid_value");
  return n;
}

/**
 * An `after` cursor that names no item of the list: a 400 naming `after` (listing from the top instead would repeat
 * items to a client paging through, or loop forever).
 */
export const unknownCursor = (after: string, what: string) =>
  badRequest(
    `Invalid 'after': '${after}' is not the id of ${what} in this list; pass the last_id (the last item's id) of a page listed before, or leave 'after' out to list from the start.`,
    "after",
    "invalid_value",
  );
