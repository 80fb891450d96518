// A stand-in for an S3-compatible server, for tests: a real HTTP server on loopback that answers S3's REST API for
// PutObject, GetObject, HeadObject and DeleteObject with path-style URLs (`/bucket/key`), and multipart uploads
// (CreateMultipartUpload, UploadPart, CompleteMultipartUpload with S3's 5 MiB minimum for every part but the last,
// AbortMultipartUpload), refuses requests that are not SigV4-signed, and misbehaves on request (a 503 SlowDown, a
// corrupted body) so clients' retries and checks run.
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeS3Request {
  method: string;
  bucket: string;
  key: string;
  status: number;
  /** The region of the request's SigV4 credential scope (`Credential=KEY/date/region/s3/aws4_request`). */
  region: string;
}

type Method = "PUT" | "GET" | "HEAD" | "DELETE" | "POST";

/** S3's smallest part of a multipart upload, but for the last one. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

export interface FakeS3 {
  /** `http://127.0.0.1:port`: the endpoint to give the client. */
  endpoint: string;
  /** Objects by `bucket/key`. */
  objects: Map<string, Buffer>;
  /** Every request answered, in order. */
  requests: FakeS3Request[];
  /** Multipart uploads begun and neither completed nor aborted. */
  pendingUploads(): number;
  /** The next request with this method is answered 503 SlowDown (as S3 does when throttling). */
  slowDownNext(method: Method): void;
  /** The next GetObject answers the object's bytes with one byte changed. */
  corruptNextGet(): void;
  close(): Promise<void>;
}

const ACCESS_KEY = "AKIAFAKES3TESTKEY";
export const FAKE_S3_CREDENTIALS = { accessKeyId: ACCESS_KEY, secretAccessKey: "fake-s3-secret-key" };

export async function startFakeS3(buckets: readonly string[]): Promise<FakeS3> {
  const objects = new Map<string, Buffer>();
  const requests: FakeS3Request[] = [];
  /** Multipart uploads in progress: upload id → the object's id and its parts by number. */
  const uploads = new Map<string, { id: string; parts: Map<number, Buffer> }>();
  const slowDown = new Set<string>();
  let corrupt = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://fake-s3");
    const [, bucket = "", ...keyParts] = url.pathname.split("/");
    const key = keyParts.map(decodeURIComponent).join("/");
    const body = await readBody(req);
    const region = /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\/aws4_request/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const answer = (status: number, headers: Record<string, string | number> = {}, payload?: Buffer | string) => {
      requests.push({ method, bucket, key, status, region });
      res.writeHead(status, headers);
      res.end(method === "HEAD" ? undefined : payload);
    };
    const error = (status: number, code: string, message: string) =>
      answer(
        status,
        { "content-type": "application/xml" },
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><Resource>${url.pathname}</Resource></Error>`,
      );

    const authorization = req.headers.authorization ?? "";
    if (!authorization.startsWith(`AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/`) || !req.headers["x-amz-date"]) {
      return error(403, "AccessDenied", "requests must be signed with AWS Signature Version 4");
    }
    if (!buckets.includes(bucket)) return error(404, "NoSuchBucket", "The specified bucket does not exist");
    if (key === "") return error(400, "InvalidRequest", "this fake answers object requests only");
    if (slowDown.delete(method)) return error(503, "SlowDown", "Please reduce your request rate.");
    const id = `${bucket}/${key}`;
    const stored = objects.get(id);
    const xml = (payload: string) => answer(200, { "content-type": "application/xml" }, `<?xml version="1.0" encoding="UTF-8"?>${payload}`);
    const uploadId = url.searchParams.get("uploadId");
    if (method === "POST" && url.searchParams.has("uploads")) {
      const created = randomUUID();
      uploads.set(created, { id, parts: new Map() });
      return xml(
        `<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>${created}</UploadId></InitiateMultipartUploadResult>`,
      );
    }
    if (uploadId !== null) {
      const upload = uploads.get(uploadId);
      if (!upload || upload.id !== id) return error(404, "NoSuchUpload", "The specified multipart upload does not exist.");
      if (method === "PUT") {
        const number = Number(url.searchParams.get("partNumber"));
        if (!Number.isInteger(number) || number < 1 || number > 10_000) return error(400, "InvalidArgument", "partNumber must be 1-10000");
        upload.parts.set(number, body);
        return answer(200, { etag: etagOf(body) });
      }
      if (method === "DELETE") {
        uploads.delete(uploadId);
        return answer(204);
      }
      if (method === "POST") {
        const listed = [...body.toString("utf8").matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
          number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1] ?? "")?.[1]),
          etag: (/<ETag>([^<]*)<\/ETag>/.exec(m[1] ?? "")?.[1] ?? "").replaceAll("&quot;", '"').replaceAll("&#34;", '"'),
        }));
        if (listed.length === 0) return error(400, "MalformedXML", "CompleteMultipartUpload lists no parts");
        const chosen: Buffer[] = [];
        for (const [index, part] of listed.entries()) {
          const bytes = upload.parts.get(part.number);
          if (!bytes || etagOf(bytes) !== part.etag)
            return error(400, "InvalidPart", `part ${part.number} was not uploaded with that ETag`);
          if (index > 0 && part.number <= (listed[index - 1]?.number ?? 0))
            return error(400, "InvalidPartOrder", "parts must be in ascending order");
          if (index < listed.length - 1 && bytes.length < MIN_PART_BYTES)
            return error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.");
          chosen.push(bytes);
        }
        uploads.delete(uploadId);
        objects.set(id, Buffer.concat(chosen));
        return xml(
          `<CompleteMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><ETag>"${listed.length}-parts"</ETag></CompleteMultipartUploadResult>`,
        );
      }
    }
    switch (method) {
      case "PUT": {
        if (String(req.headers["content-encoding"] ?? "").includes("aws-chunked")) {
          return error(400, "NotImplemented", "this fake does not decode aws-chunked bodies");
        }
        objects.set(id, body);
        return answer(200, { etag: `"${body.length}"` });
      }
      case "GET":
      case "HEAD": {
        if (!stored) return error(404, "NoSuchKey", "The specified key does not exist.");
        let bytes = stored;
        if (method === "GET" && corrupt && bytes.length > 0) {
          corrupt = false;
          bytes = Buffer.from(bytes);
          bytes[0] = (bytes[0] as number) ^ 0xff;
        }
        const headers = { "content-length": bytes.length, "content-type": "application/octet-stream", etag: `"${bytes.length}"` };
        return answer(200, headers, bytes);
      }
      case "DELETE":
        objects.delete(id);
        return answer(204);
      default:
        return error(405, "MethodNotAllowed", `${method} is not allowed`);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((cause: unknown) => {
      res.writeHead(500);
      res.end(String(cause));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    requests,
    pendingUploads: () => uploads.size,
    slowDownNext: (method) => slowDown.add(method),
    corruptNextGet: () => {
      corrupt = true;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

const etagOf = (bytes: Buffer) => `"${createHash("md5").update(bytes).digest("hex")}"`;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
