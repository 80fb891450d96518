// A stand-in for an S3-compatible server, for tests: a real HTTP server on loopback that answers S3's REST API for
// PutObject, GetObject, HeadObject and DeleteObject with path-style URLs (`/bucket/key`), refuses requests that are
// not SigV4-signed, and misbehaves on request (a 503 SlowDown, a corrupted body) so clients' retries and checks run.
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

type Method = "PUT" | "GET" | "HEAD" | "DELETE";

export interface FakeS3 {
  /** `http://127.0.0.1:port`: the endpoint to give the client. */
  endpoint: string;
  /** Objects by `bucket/key`. */
  objects: Map<string, Buffer>;
  /** Every request answered, in order. */
  requests: FakeS3Request[];
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

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
