import { createHash, type Hash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { sha256, TunelabError } from "@tunelab/base";
import { BlobStore } from "./blobs.ts";
import { type Blobs, moveInto, writeAtomically } from "./shared-blobs.ts";

/**
 * Blobs at least this large go up in parts (`@aws-sdk/lib-storage`): S3 refuses a single PUT over 5 GiB, and a file is
 * streamed from disk rather than read whole (Node reads no file over 2 GiB into one buffer).
 */
export const MULTIPART_BYTES = 64 * 1024 * 1024;
/** The size of each part (S3: at least 5 MiB but for the last, at most 10,000 parts: 160 GiB at this size). */
export const PART_BYTES = 16 * 1024 * 1024;

/** Passes chunks through, adding each to the digest. */
async function* hashing(chunks: AsyncIterable<Uint8Array>, digest: Hash): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    digest.update(chunk);
    yield chunk;
  }
}

async function* noChunks(): AsyncGenerator<Uint8Array> {}

/** The region when neither the options nor the SDK's configuration name one. */
const DEFAULT_REGION = "us-east-1";

/** A bucket and a key prefix (no leading or trailing slash; may be empty), as `s3://bucket/prefix` names them. */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/** `s3://bucket` or `s3://bucket/some/prefix`; anything else is `undefined`. */
export function parseS3Url(url: string): S3Location | undefined {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) return undefined;
  const prefix = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
  if (prefix.split("/").some((part) => part === "." || part === "..") || /\/\//.test(prefix)) return undefined;
  return { bucket: match[1] as string, prefix };
}

export interface S3BlobsOptions extends S3Location {
  /** The local cache directory (the usual blob directory). */
  cache: string;
  /** An S3-compatible server (MinIO, …); unset, the SDK's own setting (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL) or AWS. */
  endpoint?: string | undefined;
  /** Unset: the SDK's own setting (AWS_REGION, the profile's `region` in ~/.aws/config), else us-east-1. */
  region?: string | undefined;
  /** Unset: the SDK's default credential chain (environment, shared files, instance roles). */
  credentials?: S3ClientConfig["credentials"];
  maxAttempts?: number | undefined;
  /** Files from this size on are uploaded in parts (default MULTIPART_BYTES). */
  multipartBytes?: number | undefined;
  /** The part size of multipart uploads (default PART_BYTES). */
  partBytes?: number | undefined;
}

/**
 * Blobs in an S3-compatible bucket under `prefix/ab/abcdef…`, with a local cache directory in front: a put writes
 * the cache and uploads (unless the object exists: content-addressed objects never change), a read serves the cache
 * or downloads (refusing bytes whose sha256 is not the blob's hash), a remove deletes both. Several machines that
 * name the same bucket share their blobs.
 */
export class S3Blobs implements Blobs {
  readonly root: string;
  readonly location: string;
  private readonly options: S3BlobsOptions;
  private client: Promise<S3Client> | undefined;
  private readonly cache: BlobStore;

  constructor(options: S3BlobsOptions) {
    this.options = options;
    this.root = options.cache;
    this.cache = new BlobStore(options.cache);
    this.location = `s3://${options.bucket}${options.prefix ? `/${options.prefix}` : ""}`;
  }

  pathOf(hash: string): string {
    return this.cache.pathOf(hash);
  }

  async has(hash: string): Promise<boolean> {
    return this.exists(hash);
  }

  async put(data: string | Uint8Array): Promise<{ hash: string; created: boolean }> {
    const hash = sha256(data);
    const path = this.pathOf(hash);
    if (!existsSync(path)) writeAtomically(path, data);
    return { hash, created: await this.upload(hash, typeof data === "string" ? Buffer.from(data) : data) };
  }

  async putFile(file: string, hash: string): Promise<{ hash: string; created: boolean }> {
    const path = this.pathOf(hash);
    moveInto(file, path);
    return { hash, created: await this.upload(hash, path) };
  }

  async read(hash: string): Promise<Buffer> {
    return readFile(await this.localPath(hash));
  }

  async localPath(hash: string): Promise<string> {
    const path = this.pathOf(hash);
    if (!existsSync(path)) await this.download(hash, path);
    return path;
  }

  async remove(hash: string): Promise<void> {
    rmSync(this.pathOf(hash), { force: true });
    const { DeleteObjectCommand } = await import("@aws-sdk/client-s3");
    await this.send("delete", hash, async (client) => client.send(new DeleteObjectCommand(this.object(hash))));
  }

  /** Uploads a blob (bytes, or the file at a path) unless the bucket has it; true when it was uploaded. */
  private async upload(hash: string, source: Uint8Array | string): Promise<boolean> {
    if (await this.exists(hash)) return false;
    const size = typeof source === "string" ? statSync(source).size : source.byteLength;
    if (typeof source === "string" && size >= (this.options.multipartBytes ?? MULTIPART_BYTES)) {
      const { Upload } = await import("@aws-sdk/lib-storage");
      await this.send("upload", hash, (client) =>
        new Upload({
          client,
          params: { ...this.object(hash), Body: createReadStream(source) },
          partSize: this.options.partBytes ?? PART_BYTES,
          queueSize: 2,
          // a failed upload is aborted, so the bucket keeps no orphaned parts
          leavePartsOnError: false,
        }).done(),
      );
      return true;
    }
    const body = typeof source === "string" ? await readFile(source) : source;
    const { PutObjectCommand } = await import("@aws-sdk/client-s3");
    await this.send("upload", hash, (client) =>
      client.send(new PutObjectCommand({ ...this.object(hash), Body: body, ContentLength: body.byteLength })),
    );
    return true;
  }

  private async exists(hash: string): Promise<boolean> {
    const { HeadObjectCommand } = await import("@aws-sdk/client-s3");
    try {
      await this.send("check", hash, (client) => client.send(new HeadObjectCommand(this.object(hash))));
      return true;
    } catch (error) {
      if (error instanceof TunelabError && error.code === "not_found") return false;
      throw error;
    }
  }

  /**
   * Streams a blob from the bucket to `path` through a temporary sibling, hashing it on the way; bytes that are not
   * the blob's are refused and nothing is cached.
   */
  private async download(hash: string, path: string): Promise<void> {
    const { GetObjectCommand } = await import("@aws-sdk/client-s3");
    mkdirSync(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const digest = createHash("sha256");
    try {
      await this.send("download", hash, async (client) => {
        const response = await client.send(new GetObjectCommand(this.object(hash)));
        const body = response.Body as AsyncIterable<Uint8Array> | undefined;
        await pipeline(hashing(body ?? noChunks(), digest), createWriteStream(temporary));
      });
      if (digest.digest("hex") !== hash) {
        throw new TunelabError(
          "io_error",
          `blob ${hash} downloaded from ${this.location} at ${this.endpointName()} does not match its hash (corrupted in transit or in the bucket); nothing was cached`,
        );
      }
      renameSync(temporary, path);
    } finally {
      rmSync(temporary, { force: true });
    }
  }

  private object(hash: string): { Bucket: string; Key: string } {
    this.pathOf(hash); // refuses what is not a blob hash
    const key = `${hash.slice(0, 2)}/${hash}`;
    return { Bucket: this.options.bucket, Key: this.options.prefix ? `${this.options.prefix}/${key}` : key };
  }

  private endpointName(): string {
    if (!this.options.endpoint) return "the AWS S3 endpoint";
    try {
      const url = new URL(this.options.endpoint);
      return `${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname}`;
    } catch {
      return "the configured endpoint";
    }
  }

  /** Runs one request; a missing object is `not_found` naming the hash and bucket, any other failure `io_error`. */
  private async send<T>(action: string, hash: string, request: (client: S3Client) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      return await request(client);
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const name = (error as { name?: string }).name;
      if (status === 404 || name === "NoSuchKey" || name === "NotFound") {
        throw new TunelabError("not_found", `blob ${hash} is missing from ${this.location} (bucket ${this.options.bucket})`, {
          cause: error,
        });
      }
      const reason = error instanceof Error ? `${name ?? "Error"}: ${error.message}` : String(error);
      throw new TunelabError(
        "io_error",
        `could not ${action} blob ${hash} at ${this.location} (${this.endpointName()})${status ? `: HTTP ${status}` : ""}: ${reason}`,
        { cause: error },
      );
    }
  }

  private connect(): Promise<S3Client> {
    this.client ??= import("@aws-sdk/client-s3").then(async ({ S3Client }) => {
      const { endpoint, region, credentials, maxAttempts } = this.options;
      const make = (chosen: string | undefined) =>
        new S3Client({
          ...(chosen ? { region: chosen } : {}),
          // path-style URLs (`endpoint/bucket/key`): what MinIO and most S3-compatible servers expect
          forcePathStyle: true,
          // checksums only where S3 requires them: many S3-compatible servers reject the newer default trailers
          requestChecksumCalculation: "WHEN_REQUIRED",
          responseChecksumValidation: "WHEN_REQUIRED",
          ...(endpoint ? { endpoint } : {}),
          ...(credentials ? { credentials } : {}),
          ...(maxAttempts ? { maxAttempts } : {}),
        });
      if (region) return make(region);
      // No region given: the SDK's own chain (AWS_REGION, AWS_PROFILE's `region` in the shared config file), and
      // us-east-1 when it finds none (S3-compatible servers such as MinIO accept it).
      const client = make(undefined);
      try {
        await client.config.region();
        return client;
      } catch {
        client.destroy();
        return make(DEFAULT_REGION);
      }
    });
    return this.client;
  }

  /** Closes the client's connections (tests; a process that exits needs not). */
  async close(): Promise<void> {
    if (this.client) (await this.client).destroy();
  }
}
