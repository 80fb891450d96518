/**
 * A loopback Hugging Face Hub for tests: two real `node:http` servers on 127.0.0.1 (port 0), the Hub
 * and its CDN (another origin, as cdn-lfs / cas-bridge are), serving model repositories the way the
 * Hub's routes do:
 *
 * - `GET /api/models/{repo}/revision/{rev}`: model info with `sha`, `siblings`, `gated`…; with
 *   `?expand=` only `_id`, `id` and the expanded fields, as the Hub answers;
 * - `GET /api/models/{repo}/tree/{rev}[/{path}]?recursive=&expand=`: `{type, oid, size, path,
 *   lfs: {oid, size, pointerSize}}` entries (`lastCommit` with expand), paginated with
 *   `Link: <…&cursor=…>; rel="next"`;
 * - `POST /api/models/{repo}/paths-info/{rev}` (JSON or form body `paths`, `expand`);
 * - `GET|HEAD /{repo}/resolve/{rev}/{path}`: regular git files served directly with
 *   `ETag: "<git oid>"`; LFS files answered `302` to a pre-signed CDN URL with `X-Linked-Etag:
 *   "<sha256>"` and `X-Linked-Size`; both with `X-Repo-Commit`; `Range` answered with `206`;
 * - errors with the Hub's `X-Error-Code` / `X-Error-Message` headers and JSON `{error}` body:
 *   `RepoNotFound` (401 without a token), `RevisionNotFound`, `EntryNotFound`, and `GatedRepo` (401)
 *   for a gated repository's files without `Authorization: Bearer <token>`.
 *
 * The CDN refuses any request carrying an `Authorization` header (as S3 refuses a second credential),
 * and a bad signature. Misbehaviour on purpose: `dropAfter(path, n)` cuts the connection after n body
 * bytes, `corrupt(path)` flips a byte of the content, `failWith(path, status)` answers an error.
 * Every request to either server is recorded in `requests`.
 */
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  contentTypeOf,
  type FakeRepoSpec,
  fileEntry,
  gitBlobId,
  modelInfo,
  mustFile,
  mustRepo,
  type StoredFile,
  type StoredRepo,
  storeRepo,
  treeEntries,
} from "./fake-hub-repo.ts";

export type { FakeRepoSpec } from "./fake-hub-repo.ts";

export interface RecordedRequest {
  server: "hub" | "cdn";
  method: string;
  url: string;
  range: string | undefined;
  authorization: string | undefined;
}

export interface FakeHub {
  /** The Hub's base URL (use as HF_ENDPOINT). */
  url: string;
  cdnUrl: string;
  /** Requests to the Hub and the CDN, in order of arrival. */
  requests: RecordedRequest[];
  /** The commit hash of `main` of a repository. */
  commitOf(repo: string): string;
  /** The content the Hub holds for a file. */
  content(repo: string, path: string): Buffer;
  /** sha256 (LFS) or git blob id of a file, i.e. its blob name in the cache. */
  etagOf(repo: string, path: string): string;
  isLfs(repo: string, path: string): boolean;
  /** The next `times` body responses of `path` stop after `bytes` bytes and the socket is destroyed. */
  dropAfter(path: string, bytes: number, times?: number): void;
  /** The next `times` body responses of `path` carry one flipped byte (same length). */
  corrupt(path: string, times?: number): void;
  /** The next `times` requests for `path` (resolve or CDN) are answered with `status`. */
  failWith(path: string, status: number, times?: number): void;
  close(): Promise<void>;
}

export interface FakeHubOptions {
  repos: FakeRepoSpec[];
  /** The only token the Hub accepts. */
  token?: string;
  /** Entries per page of the tree listing (the Hub uses 1000, 50 with expand). */
  treePageSize?: number;
}

class Misbehaviour<T> {
  private readonly plans = new Map<string, { value: T; times: number }>();
  set(path: string, value: T, times: number): void {
    this.plans.set(path, { value, times });
  }
  take(path: string): T | undefined {
    const plan = this.plans.get(path);
    if (!plan || plan.times <= 0) return undefined;
    plan.times -= 1;
    return plan.value;
  }
}

export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const repos = new Map(options.repos.map((spec) => [spec.repo, storeRepo(spec)]));
  const requests: RecordedRequest[] = [];
  const drops = new Misbehaviour<number>();
  const corruptions = new Misbehaviour<true>();
  const failures = new Misbehaviour<number>();
  const secret = randomBytes(16);
  const pageSize = options.treePageSize ?? 1000;
  /** CDN key → the file it serves (the CDN is content-addressed, like the real one). */
  const cdnObjects = new Map<string, StoredFile>();

  const hub = createServer((req, res) => {
    record("hub", req);
    handleHub(req, res).catch((error: unknown) => sendError(res, 500, "InternalError", String(error)));
  });
  const cdn = createServer((req, res) => {
    record("cdn", req);
    handleCdn(req, res);
  });
  const hubUrl = await listen(hub);
  const cdnUrl = await listen(cdn);

  function record(server: "hub" | "cdn", req: IncomingMessage): void {
    requests.push({
      server,
      method: req.method ?? "GET",
      url: req.url ?? "/",
      range: req.headers.range,
      authorization: req.headers.authorization,
    });
  }

  function bearer(req: IncomingMessage): "none" | "valid" | "invalid" {
    const header = req.headers.authorization;
    if (header === undefined) return "none";
    return options.token !== undefined && header === `Bearer ${options.token}` ? "valid" : "invalid";
  }

  function findRepo(req: IncomingMessage, res: ServerResponse, repoId: string): StoredRepo | undefined {
    const auth = bearer(req);
    if (auth === "invalid") {
      sendError(res, 401, undefined, "Invalid credentials in Authorization header");
      return undefined;
    }
    const repo = repos.get(repoId);
    if (!repo) sendError(res, auth === "valid" ? 404 : 401, "RepoNotFound", "Repository not found");
    return repo;
  }

  function atRevision(res: ServerResponse, repo: StoredRepo, revision: string): boolean {
    if (revision === "main" || revision === "HEAD" || revision === repo.commit) return true;
    sendError(res, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    return false;
  }

  async function handleHub(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", hubUrl);
    const segments = url.pathname.split("/").slice(1).map(decodeURIComponent);
    if (segments[0] === "api" && segments[1] === "models" && segments.length >= 6) {
      const [, , org, name, action, ...rest] = segments as [string, string, string, string, string, ...string[]];
      const repo = findRepo(req, res, `${org}/${name}`);
      if (!repo) return;
      const revision = rest[0] ?? "";
      if (!atRevision(res, repo, revision)) return;
      if (action === "revision" && req.method === "GET") return sendJson(res, modelInfo(repo, url.searchParams.getAll("expand")));
      if (action === "tree" && req.method === "GET") return sendTree(res, url, repo, rest.slice(1).join("/"));
      if (action === "paths-info" && req.method === "POST") return sendJson(res, await pathsInfo(req, repo));
    }
    if (segments.length >= 5 && segments[2] === "resolve" && (req.method === "GET" || req.method === "HEAD")) {
      const [org, name, , revision, ...path] = segments as [string, string, string, string, ...string[]];
      return resolve(req, res, `${org}/${name}`, revision, path.join("/"));
    }
    sendError(res, 404, undefined, "Sorry, we can't find the page you are looking for.");
  }

  function sendTree(res: ServerResponse, url: URL, repo: StoredRepo, under: string): void {
    const all = treeEntries(repo, under, url.searchParams.get("recursive") === "true", url.searchParams.get("expand") === "true");
    if (under !== "" && all.length === 0) {
      sendError(res, 404, "EntryNotFound", `${under} does not exist on "main"`);
      return;
    }
    const start = Number(url.searchParams.get("cursor") ?? "0");
    const page = all.slice(start, start + pageSize);
    if (start + pageSize < all.length) {
      const next = new URL(url);
      next.searchParams.set("cursor", String(start + pageSize));
      res.setHeader("Link", `<${next.toString()}>; rel="next"`);
    }
    sendJson(res, page);
  }

  async function pathsInfo(req: IncomingMessage, repo: StoredRepo): Promise<Record<string, unknown>[]> {
    const body = await readBody(req);
    let paths: string[];
    let expand: boolean;
    if ((req.headers["content-type"] ?? "").includes("application/json")) {
      const json = JSON.parse(body) as { paths?: string[]; expand?: boolean };
      paths = json.paths ?? [];
      expand = json.expand === true;
    } else {
      const form = new URLSearchParams(body);
      paths = form.getAll("paths");
      expand = form.get("expand") === "true" || form.get("expand") === "True";
    }
    const lastCommit = expand ? { lastCommit: { id: repo.commit, title: "Upload model", date: "2026-01-01T00:00:00.000Z" } } : {};
    return paths.flatMap((path) => {
      const file = repo.files.get(path);
      if (file) return [fileEntry(file, lastCommit)];
      const isDir = [...repo.files.keys()].some((p) => p.startsWith(`${path}/`));
      return isDir ? [{ type: "directory", oid: gitBlobId(Buffer.from(path)), size: 0, path, ...lastCommit }] : [];
    });
  }

  function resolve(req: IncomingMessage, res: ServerResponse, repoId: string, revision: string, path: string): void {
    const repo = findRepo(req, res, repoId);
    if (!repo || !atRevision(res, repo, revision)) return;
    if (repo.spec.gated && bearer(req) !== "valid") {
      const message = `Access to model ${repoId} is restricted. You must have access to it and be authenticated to access it. Please log in.`;
      sendError(res, 401, "GatedRepo", message);
      return;
    }
    const file = repo.files.get(path);
    if (!file) {
      sendError(res, 404, "EntryNotFound", "Entry not found");
      return;
    }
    const status = failures.take(path);
    if (status !== undefined) {
      sendError(res, status, undefined, `Injected failure ${status}`);
      return;
    }
    res.setHeader("X-Repo-Commit", repo.commit);
    res.setHeader("ETag", `"${file.gitOid}"`);
    if (file.lfs) {
      const key = `${file.lfs.oid}`;
      cdnObjects.set(key, file);
      const signature = createHmac("sha256", secret).update(key).digest("hex");
      res.setHeader("X-Linked-Etag", `"${file.lfs.oid}"`);
      res.setHeader("X-Linked-Size", String(file.lfs.size));
      res.setHeader(
        "Location",
        `${cdnUrl}/repos/${key}?X-Amz-Signature=${signature}&filename=${encodeURIComponent(path.split("/").pop() ?? path)}`,
      );
      res.writeHead(302).end();
      return;
    }
    serveBody(req, res, file, contentTypeOf(path));
  }

  function handleCdn(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", cdnUrl);
    if (req.headers.authorization !== undefined) {
      res
        .writeHead(400, { "Content-Type": "application/xml" })
        .end("<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>");
      return;
    }
    const key = url.pathname.replace(/^\/repos\//, "");
    const file = cdnObjects.get(key);
    const signature = createHmac("sha256", secret).update(key).digest("hex");
    if (!file || url.searchParams.get("X-Amz-Signature") !== signature) {
      res.writeHead(403, { "Content-Type": "application/xml" }).end("<Error><Code>AccessDenied</Code></Error>");
      return;
    }
    const status = failures.take(file.path);
    if (status !== undefined) {
      res.writeHead(status).end();
      return;
    }
    res.setHeader("ETag", `"${file.lfs?.oid ?? file.gitOid}"`);
    res.setHeader("Content-Disposition", `inline; filename*=UTF-8''${encodeURIComponent(file.path)}; filename="${file.path}";`);
    serveBody(req, res, file, "binary/octet-stream");
  }

  function serveBody(req: IncomingMessage, res: ServerResponse, file: StoredFile, contentType: string): void {
    let content = file.content;
    if (corruptions.take(file.path) && content.length > 0) {
      content = Buffer.from(content);
      const at = Math.floor(content.length / 2);
      content[at] = (content[at] ?? 0) ^ 0xff;
    }
    res.setHeader("Accept-Ranges", "bytes");
    res.setHeader("Content-Type", contentType);
    let status = 200;
    let body = content;
    const range = req.headers.range;
    if (range !== undefined) {
      const match = /^bytes=(\d+)-(\d*)$/.exec(range);
      const start = Number(match?.[1] ?? Number.NaN);
      const end = match?.[2] ? Math.min(Number(match[2]), content.length - 1) : content.length - 1;
      if (!match || start >= content.length || end < start) {
        res.writeHead(416, { "Content-Range": `bytes */${content.length}` }).end();
        return;
      }
      status = 206;
      body = content.subarray(start, end + 1);
      res.setHeader("Content-Range", `bytes ${start}-${end}/${content.length}`);
    }
    res.setHeader("Content-Length", String(body.length));
    if (req.method === "HEAD") {
      res.writeHead(status).end();
      return;
    }
    const dropAt = drops.take(file.path);
    if (dropAt !== undefined && dropAt < body.length) {
      res.writeHead(status);
      res.write(body.subarray(0, dropAt), () => {
        res.socket?.destroy();
      });
      return;
    }
    res.writeHead(status).end(body);
  }

  return {
    url: hubUrl,
    cdnUrl,
    requests,
    commitOf: (repo) => mustRepo(repos, repo).commit,
    content: (repo, path) => mustFile(repos, repo, path).content,
    etagOf: (repo, path) => {
      const file = mustFile(repos, repo, path);
      return file.lfs?.oid ?? file.gitOid;
    },
    isLfs: (repo, path) => mustFile(repos, repo, path).lfs !== undefined,
    dropAfter: (path, bytes, times = 1) => drops.set(path, bytes, times),
    corrupt: (path, times = Number.POSITIVE_INFINITY) => corruptions.set(path, true, times),
    failWith: (path, status, times = 1) => failures.set(path, status, times),
    close: async () => {
      await Promise.all([close(hub), close(cdn)]);
    },
  };
}

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) }).end(text);
}

function sendError(res: ServerResponse, status: number, code: string | undefined, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { "Content-Type": "application/json; charset=utf-8", "X-Error-Message": message };
  if (code) headers["X-Error-Code"] = code;
  res.writeHead(status, headers).end(JSON.stringify({ error: message }));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
