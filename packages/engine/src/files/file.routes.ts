import { Hono } from "hono";
import { z } from "zod";
import { badRequest, notFound } from "../http/openai-error.ts";
import { parseWith, queryInt, unknownCursor } from "../http/validate.ts";
import type { EngineStore } from "../storage/store.ts";
import { deleteFile, findFile, insertFile, listFiles, readFileContent, toFileObject } from "./file.repository.ts";
import { readMultipart, UploadedPart } from "./read-multipart.ts";

/** What an upload may be for, as OpenAI takes them: `fine-tune-results` files are written by fine-tuning jobs, never uploaded. */
const PURPOSES = ["fine-tune", "evals", "user_data", "batch", "assistants", "vision"] as const;

/** OpenAI's `expires_after` (sent as the form fields `expires_after[anchor]` and `expires_after[seconds]`): 1 hour to 30 days after upload. */
const ExpiresAfter = z.strictObject({
  anchor: z.literal("created_at"),
  seconds: z.coerce.number().int().min(3600).max(2_592_000),
});

const Upload = z.object({
  purpose: z.enum(PURPOSES),
  file: z.instanceof(UploadedPart, { message: "expected a file part" }),
  expires_after: ExpiresAfter.optional(),
});

/** The form's fields with `a[b]` keys nested as `{a: {b}}`, as the SDKs send objects in a multipart body. */
function nestFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    const match = /^([^[\]]+)\[([^[\]]+)\]$/.exec(key);
    if (!match?.[1] || !match[2]) {
      out[key] = value;
      continue;
    }
    const inner = out[match[1]];
    out[match[1]] = { ...(typeof inner === "object" && inner !== null ? inner : {}), [match[2]]: value };
  }
  return out;
}

export function fileRoutes(store: EngineStore): Hono {
  const app = new Hono();

  app.post("/", async (c) => {
    let body: Record<string, unknown>;
    try {
      body = await readMultipart(c.req.raw);
    } catch {
      throw badRequest("Expected a multipart/form-data body with 'file' and 'purpose'.");
    }
    const fields = nestFields(body);
    // a field OpenAI does not take is refused (as OpenAI does), rather than dropped unread
    const unexpected = Object.keys(fields).find((key) => !Object.hasOwn(Upload.shape, key));
    if (unexpected !== undefined)
      throw badRequest(
        `Additional properties are not allowed ('${unexpected}' was unexpected): an upload takes the form fields 'file', 'purpose' and 'expires_after[anchor]' with 'expires_after[seconds]'.`,
        unexpected,
      );
    const { purpose, file, expires_after } = parseWith(Upload, fields);
    const data = file.data;
    if (data.byteLength === 0) throw badRequest("The file is empty.", "file", "invalid_file");
    const row = await insertFile(store, {
      filename: file.name || "upload.jsonl",
      purpose,
      data,
      ...(expires_after ? { expiresAfterSeconds: expires_after.seconds } : {}),
    });
    return c.json(toFileObject(row));
  });

  app.get("/", async (c) => {
    const order = c.req.query("order") === "asc" ? "asc" : "desc";
    const purpose = c.req.query("purpose");
    const after = c.req.query("after");
    const page = await listFiles(store, {
      order,
      limit: queryInt(c.req.query("limit"), "limit", 10_000, 10_000),
      ...(purpose ? { purpose } : {}),
      ...(after ? { after } : {}),
    });
    if (!page) throw unknownCursor(after ?? "", "a file");
    const { rows, hasMore } = page;
    const data = rows.map(toFileObject);
    return c.json({ object: "list", data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
  });

  app.get("/:id", async (c) => {
    const row = await findFile(store, c.req.param("id"));
    if (!row) throw notFound("File", c.req.param("id"), "id");
    return c.json(toFileObject(row));
  });

  app.get("/:id/content", async (c) => {
    const row = await findFile(store, c.req.param("id"));
    if (!row) throw notFound("File", c.req.param("id"), "id");
    return c.body(new Uint8Array(readFileContent(store, row)), 200, { "content-type": "application/octet-stream" });
  });

  app.delete("/:id", async (c) => {
    const row = await findFile(store, c.req.param("id"));
    if (!row) throw notFound("File", c.req.param("id"), "id");
    await deleteFile(store, row);
    return c.json({ id: row.id, object: "file", deleted: true });
  });

  return app;
}
