// The S3 blob store against a real HTTP server on loopback that speaks S3's REST API (path-style, SigV4 required)
// and misbehaves on request: two stores with their own cache directories share one bucket, as two machines would.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256 } from "@tunelab/base";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FAKE_S3_CREDENTIALS, type FakeS3, MIN_PART_BYTES, startFakeS3 } from "../test-support/fake-s3.ts";
import { parseS3Url, S3Blobs } from "./s3-blobs.ts";

let s3: FakeS3;
let dir: string;
const stores: S3Blobs[] = [];

function store(cache: string, options: { endpoint?: string; maxAttempts?: number; multipartBytes?: number } = {}): S3Blobs {
  const made = new S3Blobs({
    bucket: "team-blobs",
    prefix: "tunelab/main",
    cache: join(dir, cache),
    endpoint: options.endpoint ?? s3.endpoint,
    region: "us-east-1",
    credentials: FAKE_S3_CREDENTIALS,
    maxAttempts: options.maxAttempts,
    multipartBytes: options.multipartBytes,
    partBytes: MIN_PART_BYTES,
  });
  stores.push(made);
  return made;
}
const puts = () => s3.requests.filter((r) => r.method === "PUT" && r.status === 200).length;
const cached = (cache: string) => (existsSync(join(dir, cache)) ? readdirSync(join(dir, cache), { recursive: true }).length : 0);

beforeEach(async () => {
  s3 = await startFakeS3(["team-blobs"]);
  dir = mkdtempSync(join(tmpdir(), "tunelab-s3-blobs-"));
});
afterEach(async () => {
  for (const made of stores.splice(0)) await made.close();
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("S3Blobs", () => {
  it("stores a blob under prefix/ab/hash, and another machine's store reads it from the bucket", async () => {
    const first = store("cache-a");
    const { hash, created } = await first.put("hello blobs\n");
    expect(hash).toBe(sha256("hello blobs\n"));
    expect(created).toBe(true);
    expect(s3.objects.get(`team-blobs/tunelab/main/${hash.slice(0, 2)}/${hash}`)?.toString()).toBe("hello blobs\n");
    expect(await first.has(hash)).toBe(true);

    const second = store("cache-b");
    expect(cached("cache-b")).toBe(0);
    expect((await second.read(hash)).toString()).toBe("hello blobs\n");
    // downloaded once into the local cache, then served from it
    const gets = () => s3.requests.filter((r) => r.method === "GET").length;
    expect(gets()).toBe(1);
    expect((await second.read(hash)).toString()).toBe("hello blobs\n");
    expect(gets()).toBe(1);
    expect(await second.localPath(hash)).toBe(second.pathOf(hash));
  });

  it("does not upload an object the bucket has (content-addressed objects never change)", async () => {
    const { hash } = await store("cache-a").put("same bytes");
    expect(puts()).toBe(1);
    expect(await store("cache-b").put("same bytes")).toEqual({ hash, created: false });
    expect(puts()).toBe(1);
    // a file written beside the cache moves into it, and is not uploaded again either
    const third = store("cache-c");
    const file = join(dir, "incoming.txt");
    writeFileSync(file, "same bytes");
    expect(await third.putFile(file, hash)).toEqual({ hash, created: false });
    expect(existsSync(file)).toBe(false);
    expect(existsSync(third.pathOf(hash))).toBe(true);
    expect(puts()).toBe(1);
  });

  it("uploads a moved file when the bucket lacks it", async () => {
    const first = store("cache-a");
    const file = join(dir, "version.jsonl");
    writeFileSync(file, '{"a":1}\n');
    const hash = sha256('{"a":1}\n');
    expect(await first.putFile(file, hash)).toEqual({ hash, created: true });
    expect((await store("cache-b").read(hash)).toString()).toBe('{"a":1}\n');
  });

  it("uploads a large file in parts, streamed from disk, and another machine streams it down", async () => {
    const first = store("cache-a", { multipartBytes: 8 * 1024 * 1024 });
    const file = join(dir, "model.safetensors");
    const bytes = Buffer.alloc(2 * MIN_PART_BYTES + 12_345);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) % 251;
    writeFileSync(file, bytes);
    const hash = sha256(bytes);
    expect(await first.putFile(file, hash)).toEqual({ hash, created: true });
    const calls = s3.requests.filter((r) => r.method !== "HEAD").map((r) => `${r.method} ${r.status}`);
    // create, three parts (5 MiB, 5 MiB, the rest), complete
    expect(calls).toEqual(["POST 200", "PUT 200", "PUT 200", "PUT 200", "POST 200"]);
    expect(s3.pendingUploads()).toBe(0);
    expect(s3.objects.get(`team-blobs/tunelab/main/${hash.slice(0, 2)}/${hash}`)?.equals(bytes)).toBe(true);
    const second = store("cache-b");
    expect(readFileSync(await second.localPath(hash)).equals(bytes)).toBe(true);
  });

  it("a file under the multipart size goes up in one PUT", async () => {
    const file = join(dir, "small.bin");
    writeFileSync(file, Buffer.alloc(MIN_PART_BYTES + 1, 7));
    await store("cache-a", { multipartBytes: 8 * 1024 * 1024 }).putFile(file, sha256(Buffer.alloc(MIN_PART_BYTES + 1, 7)));
    expect(s3.requests.filter((r) => r.method !== "HEAD").map((r) => r.method)).toEqual(["PUT"]);
  });

  it("retries a request the server throttles (503 SlowDown)", async () => {
    s3.slowDownNext("PUT");
    const { hash } = await store("cache-a").put("throttled");
    expect(s3.requests.filter((r) => r.method === "PUT").map((r) => r.status)).toEqual([503, 200]);
    expect(s3.objects.has(`team-blobs/tunelab/main/${hash.slice(0, 2)}/${hash}`)).toBe(true);
  });

  it("refuses a download whose sha256 is not the blob's hash, and caches nothing", async () => {
    const { hash } = await store("cache-a").put("precious bytes");
    const second = store("cache-b");
    s3.corruptNextGet();
    await expect(second.read(hash)).rejects.toMatchObject({
      code: "io_error",
      message: expect.stringContaining(`blob ${hash} downloaded from s3://team-blobs/tunelab/main`),
    });
    expect(existsSync(second.pathOf(hash))).toBe(false);
    expect((await second.read(hash)).toString()).toBe("precious bytes");
  });

  it("a missing object is not_found naming the hash and the bucket", async () => {
    const hash = sha256("never stored");
    const first = store("cache-a");
    expect(await first.has(hash)).toBe(false);
    await expect(first.read(hash)).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringMatching(new RegExp(`blob ${hash} .*bucket team-blobs`)),
    });
    await expect(first.localPath(hash)).rejects.toMatchObject({ code: "not_found" });
  });

  it("removes a blob from the cache and the bucket", async () => {
    const first = store("cache-a");
    const { hash } = await first.put("short-lived");
    await first.remove(hash);
    expect(existsSync(first.pathOf(hash))).toBe(false);
    expect(s3.objects.size).toBe(0);
    expect(await store("cache-b").has(hash)).toBe(false);
  });

  it("every request is SigV4-signed; an unreachable endpoint is io_error naming it without credentials", async () => {
    await store("cache-a").put("signed");
    expect(s3.requests.length).toBeGreaterThan(0);
    expect(s3.requests.every((r) => r.status !== 403)).toBe(true);

    const closed = await startFakeS3([]);
    const endpoint = closed.endpoint;
    await closed.close();
    const unreachable = store("cache-b", { endpoint: endpoint.replace("http://", "http://user:pw@"), maxAttempts: 1 });
    const failure = unreachable.read(sha256("anything"));
    await expect(failure).rejects.toMatchObject({ code: "io_error", message: expect.stringContaining(endpoint) });
    await expect(failure).rejects.toMatchObject({ message: expect.not.stringContaining("pw@") });
  });

  it("refuses what is not a blob hash before any request", async () => {
    await expect(store("cache-a").read("../etc/passwd")).rejects.toMatchObject({ code: "invalid_argument" });
    expect(s3.requests).toEqual([]);
  });
});

describe("S3Blobs region", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ["AWS_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"]) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });
  const regionless = (cache: string) => {
    const made = new S3Blobs({
      bucket: "team-blobs",
      prefix: "",
      cache: join(dir, cache),
      endpoint: s3.endpoint,
      credentials: FAKE_S3_CREDENTIALS,
    });
    stores.push(made);
    return made;
  };
  const isolate = () => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_PROFILE;
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, "no-credentials");
  };

  it("takes the profile's region from the shared config file, as the AWS CLI does", async () => {
    isolate();
    writeFileSync(join(dir, "config"), "[default]\nregion = us-west-2\n\n[profile team]\nregion = eu-west-3\n");
    process.env.AWS_CONFIG_FILE = join(dir, "config");
    process.env.AWS_PROFILE = "team";
    await regionless("cache-a").put("from the team profile");
    expect(s3.requests.map((r) => r.region)).toEqual(["eu-west-3", "eu-west-3"]);
  });

  it("takes AWS_REGION over the config file", async () => {
    isolate();
    writeFileSync(join(dir, "config"), "[default]\nregion = us-west-2\n");
    process.env.AWS_CONFIG_FILE = join(dir, "config");
    process.env.AWS_REGION = "ap-south-1";
    await regionless("cache-a").put("from the environment");
    expect(new Set(s3.requests.map((r) => r.region))).toEqual(new Set(["ap-south-1"]));
  });

  it("falls back to us-east-1 when nothing names a region (S3-compatible servers accept it)", async () => {
    isolate();
    process.env.AWS_CONFIG_FILE = join(dir, "no-config");
    await regionless("cache-a").put("no region anywhere");
    expect(new Set(s3.requests.map((r) => r.region))).toEqual(new Set(["us-east-1"]));
  });
});

describe("parseS3Url", () => {
  it("reads a bucket and an optional prefix", () => {
    expect(parseS3Url("s3://team-blobs")).toEqual({ bucket: "team-blobs", prefix: "" });
    expect(parseS3Url("s3://team-blobs/")).toEqual({ bucket: "team-blobs", prefix: "" });
    expect(parseS3Url("s3://team-blobs/tunelab/main/")).toEqual({ bucket: "team-blobs", prefix: "tunelab/main" });
    for (const bad of ["team-blobs", "s3://", "s3://Bad_Bucket", "https://team-blobs/x", "s3://b/../x", "s3://ab//x"]) {
      expect(parseS3Url(bad)).toBeUndefined();
    }
  });
});
