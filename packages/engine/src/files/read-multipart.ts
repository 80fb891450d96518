import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { Busboy } from "@fastify/busboy";

/** A file part of a multipart body: its bytes as received, with no Blob in between. */
export class UploadedPart {
  constructor(
    readonly name: string,
    readonly type: string,
    readonly data: Buffer,
  ) {}
}

/**
 * A multipart/form-data body (fields as strings, files as `UploadedPart`s), parsed chunk by chunk as it streams in. Undici's `formData()`, which Hono's `parseBody` uses, parses a whole body in one go on the
 * request thread, and reading a `File` back copies it chunk by chunk: about a second per 25 MB (several on a busy
 * machine), during which the server answers nothing else.
 */
export async function readMultipart(request: Request): Promise<Record<string, string | UploadedPart>> {
  if (!request.body) throw new Error("the request has no body");
  const parser = Busboy({ headers: { "content-type": request.headers.get("content-type") ?? "" } });
  const fields: Record<string, string | UploadedPart> = {};
  const files: Array<Promise<void>> = [];
  parser.on("field", (name, value) => {
    fields[name] = value;
  });
  parser.on("file", (name, stream, filename, _encoding, mimeType) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    files.push(
      new Promise((resolve, reject) => {
        stream.on("error", reject);
        stream.on("end", () => {
          fields[name] = new UploadedPart(filename, mimeType, Buffer.concat(chunks));
          resolve();
        });
      }),
    );
  });
  try {
    await pipeline(Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>), parser);
  } catch (error) {
    // A body that ends inside a file part fails that part's stream too: its rejection must not go unhandled (that
    // ends the whole process); the body's own error is the one answered.
    for (const part of files) part.catch(() => {});
    throw error;
  }
  await Promise.all(files);
  return fields;
}
