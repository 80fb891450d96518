import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { downloadFileToCacheDir, scanCacheDir, snapshotDownload } from "@huggingface/hub";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeHub, type FakeRepoSpec, startFakeHub } from "../../../test/fake-hub.ts";
import { tinyModelFiles } from "../../../test/tiny-hub-model.ts";
import { type DownloadProgress, type DownloadSnapshotOptions, downloadSnapshot } from "./index.ts";

const REPO = "tiny-org/tiny-llama";
const SHARDED = "tiny-org/tiny-sharded";
const GATED = "gated-org/tiny-gated";
const TOKEN = "hf_fake_token_for_tests";
const MODEL_FILES = [
  "config.json",
  "generation_config.json",
  "model.safetensors",
  "special_tokens_map.json",
  "tokenizer.json",
  "tokenizer_config.json",
];

let home: string;
let hub: FakeHub | undefined;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "tunelab-hf-home-"));
});
afterEach(async () => {
  await hub?.close();
  hub = undefined;
  await rm(home, { recursive: true, force: true });
});

async function serve(
  repos: FakeRepoSpec[] = [{ repo: REPO, files: tinyModelFiles() }],
  extra: { treePageSize?: number } = {},
): Promise<FakeHub> {
  hub = await startFakeHub({ repos, token: TOKEN, ...extra });
  return hub;
}

const options = (server: FakeHub, extra: Partial<DownloadSnapshotOptions> = {}): DownloadSnapshotOptions => ({
  endpoint: server.url,
  hfHome: home,
  retryDelayMs: 0,
  ...extra,
});
const repoDir = (repo: string): string => join(home, "hub", `models--${repo.replace("/", "--")}`);
/** Byte-for-byte comparison through a digest (vitest's deep equality walks a Buffer element by element). */
const digest = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");
const exists = async (path: string): Promise<boolean> => (await lstat(path).catch(() => undefined)) !== undefined;
const resolveRequests = (server: FakeHub, path: string) =>
  server.requests.filter((r) => r.server === "hub" && r.url.includes(`/resolve/`) && r.url.endsWith(`/${path}`));
const cdnRequests = (server: FakeHub) => server.requests.filter((r) => r.server === "cdn");

describe("downloadSnapshot: a fresh download", () => {
  it("writes the model's files, and only those, in the standard hub cache layout", async () => {
    const server = await serve();
    const commit = server.commitOf(REPO);
    const events: DownloadProgress[] = [];
    const dir = await downloadSnapshot(`hf:${REPO}`, options(server, { onProgress: (p) => events.push(p) }));

    expect(dir).toBe(join(repoDir(REPO), "snapshots", commit));
    expect((await readdir(dir)).sort()).toEqual(MODEL_FILES);
    for (const path of MODEL_FILES) {
      const link = join(dir, path);
      expect((await lstat(link)).isSymbolicLink()).toBe(true);
      expect(await readlink(link)).toBe(`../../blobs/${server.etagOf(REPO, path)}`);
      expect(digest(await readFile(link))).toBe(digest(server.content(REPO, path)));
    }
    // Blob names as huggingface_hub names them: sha256 of an LFS file, git blob id of a regular one.
    const weights = server.content(REPO, "model.safetensors");
    expect(server.etagOf(REPO, "model.safetensors")).toBe(createHash("sha256").update(weights).digest("hex"));
    const config = server.content(REPO, "config.json");
    expect(server.etagOf(REPO, "config.json")).toBe(createHash("sha1").update(`blob ${config.length}\0`).update(config).digest("hex"));
    expect((await readdir(join(repoDir(REPO), "blobs"))).sort()).toEqual(MODEL_FILES.map((path) => server.etagOf(REPO, path)).sort());
    expect(await readFile(join(repoDir(REPO), "refs", "main"), "utf8")).toBe(commit);
    expect(await exists(join(repoDir(REPO), ".no_exist", commit, "chat_template.jinja"))).toBe(true);

    // Nothing the engine does not load was requested.
    for (const skipped of ["pytorch_model.bin", "model.gguf", "flax_model.msgpack", "onnx/model.onnx", "README.md", ".gitattributes"]) {
      expect(resolveRequests(server, skipped)).toEqual([]);
    }

    const total = MODEL_FILES.reduce((sum, path) => sum + server.content(REPO, path).length, 0);
    expect(events.at(-1)).toMatchObject({ overallBytes: total, overallTotal: total });
    expect(new Set(events.map((e) => e.file))).toEqual(new Set(MODEL_FILES));
    for (let i = 1; i < events.length; i++)
      expect((events[i] as DownloadProgress).overallBytes).toBeGreaterThanOrEqual((events[i - 1] as DownloadProgress).overallBytes);
    const weightEvents = events.filter((e) => e.file === "model.safetensors");
    expect(weightEvents.length).toBeGreaterThan(1);
    expect(weightEvents.at(-1)).toMatchObject({ bytes: weights.length, totalBytes: weights.length });
  });

  it("is read as a standard cache by huggingface.js's own cache scanner and downloader", async () => {
    const server = await serve();
    const commit = server.commitOf(REPO);
    await downloadSnapshot(`hf:${REPO}`, options(server));
    const scan = await scanCacheDir(join(home, "hub"));
    expect(scan.warnings).toEqual([]);
    expect(scan.repos).toHaveLength(1);
    const [repo] = scan.repos;
    expect(repo?.id).toEqual({ type: "model", name: REPO });
    expect(
      repo?.revisions.map((r) => ({ commit: r.commitOid, refs: r.refs, files: r.files.map((f) => f.path.split("/").pop()).sort() })),
    ).toEqual([{ commit, refs: ["main"], files: MODEL_FILES }]);
    const before = server.requests.length;
    const pointer = await downloadFileToCacheDir({
      repo: REPO,
      path: "config.json",
      revision: commit,
      cacheDir: join(home, "hub"),
      hubUrl: server.url,
    });
    expect(pointer).toBe(join(repoDir(REPO), "snapshots", commit, "config.json"));
    expect(server.requests.length).toBe(before);
  });
});

describe("downloadSnapshot: the cache is reused", () => {
  it("answers a second call, by branch or by commit, without any request", async () => {
    const server = await serve();
    const first = await downloadSnapshot(`hf:${REPO}`, options(server));
    const before = server.requests.length;
    expect(await downloadSnapshot(`hf:${REPO}`, options(server))).toBe(first);
    expect(await downloadSnapshot(`hf:${REPO}@${server.commitOf(REPO)}`, options(server))).toBe(first);
    expect(await downloadSnapshot({ repo: REPO, revision: "main" }, options(server, { offline: true }))).toBe(first);
    expect(server.requests.length).toBe(before);
  });

  it("reuses a snapshot another implementation wrote (huggingface.js's snapshotDownload) without any request", async () => {
    const server = await serve();
    const theirs = await snapshotDownload({ repo: REPO, cacheDir: join(home, "hub"), hubUrl: server.url });
    const before = server.requests.length;
    expect(await downloadSnapshot(`hf:${REPO}`, options(server))).toBe(theirs);
    expect(server.requests.length).toBe(before);
  });

  it("offline, refuses a model that is not cached without touching the network", async () => {
    const server = await serve();
    await expect(downloadSnapshot(`hf:${REPO}`, options(server, { offline: true }))).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringMatching(/hf:tiny-org\/tiny-llama@main is not complete in the hub cache .*HF_HUB_OFFLINE/),
    });
    expect(server.requests).toEqual([]);
  });
});

describe("downloadSnapshot: resumable", () => {
  it("resumes a dropped connection with a Range request within the same call", async () => {
    const server = await serve();
    server.dropAfter("model.safetensors", 100_000);
    const dir = await downloadSnapshot(`hf:${REPO}`, options(server));
    expect(digest(await readFile(join(dir, "model.safetensors")))).toBe(digest(server.content(REPO, "model.safetensors")));
    expect(cdnRequests(server).map((r) => r.range)).toEqual([undefined, "bytes=100000-"]);
  });

  it("keeps the partial file when the call gives up, and the next call continues from it", async () => {
    const server = await serve();
    const weights = server.content(REPO, "model.safetensors");
    const partial = join(repoDir(REPO), "blobs", `${server.etagOf(REPO, "model.safetensors")}.incomplete`);
    server.dropAfter("model.safetensors", 100_000);
    await expect(downloadSnapshot(`hf:${REPO}`, options(server, { retries: 0 }))).rejects.toMatchObject({
      code: "io_error",
      message: expect.stringMatching(new RegExp(`model\\.safetensors .* interrupted at 100000 of ${weights.length} bytes .*resume`)),
    });
    expect((await stat(partial)).size).toBe(100_000);
    expect(await exists(join(repoDir(REPO), "refs", "main"))).toBe(false);
    expect(await exists(join(repoDir(REPO), "snapshots"))).toBe(false);

    const dir = await downloadSnapshot(`hf:${REPO}`, options(server));
    expect(digest(await readFile(join(dir, "model.safetensors")))).toBe(digest(weights));
    expect(cdnRequests(server).map((r) => r.range)).toEqual([undefined, "bytes=100000-"]);
    expect(await exists(partial)).toBe(false);
  });

  it("retries a 503 and resumes; without retries it reports the status", async () => {
    const server = await serve();
    server.failWith("config.json", 503, 2);
    await expect(downloadSnapshot(`hf:${REPO}`, options(server, { retries: 0 }))).rejects.toMatchObject({
      code: "io_error",
      message: expect.stringMatching(/config\.json .*answered 503/),
    });
    const dir = await downloadSnapshot(`hf:${REPO}`, options(server, { retries: 2 }));
    expect(digest(await readFile(join(dir, "config.json")))).toBe(digest(server.content(REPO, "config.json")));
  });
});

describe("downloadSnapshot: cancellation and concurrency", () => {
  it("stops on abort keeping the partial file, which the next call resumes", async () => {
    const server = await serve();
    const controller = new AbortController();
    const onProgress = (p: DownloadProgress): void => {
      if (p.file === "model.safetensors" && p.bytes >= 50_000) controller.abort();
    };
    await expect(downloadSnapshot(`hf:${REPO}`, options(server, { signal: controller.signal, onProgress }))).rejects.toMatchObject({
      name: "AbortError",
    });
    const partial = join(repoDir(REPO), "blobs", `${server.etagOf(REPO, "model.safetensors")}.incomplete`);
    const kept = (await stat(partial)).size;
    expect(kept).toBeGreaterThanOrEqual(50_000);
    expect(await exists(join(repoDir(REPO), "refs", "main"))).toBe(false);

    const dir = await downloadSnapshot(`hf:${REPO}`, options(server));
    expect(digest(await readFile(join(dir, "model.safetensors")))).toBe(digest(server.content(REPO, "model.safetensors")));
    expect(cdnRequests(server).map((r) => r.range)).toEqual([undefined, `bytes=${kept}-`]);
  });

  it("lets two concurrent downloads of one model share each blob (downloaded once)", async () => {
    const server = await serve();
    const [a, b] = await Promise.all([downloadSnapshot(`hf:${REPO}`, options(server)), downloadSnapshot(`hf:${REPO}`, options(server))]);
    expect(a).toBe(b);
    expect(digest(await readFile(join(a, "model.safetensors")))).toBe(digest(server.content(REPO, "model.safetensors")));
    expect(cdnRequests(server).filter((r) => r.method === "GET")).toHaveLength(1);
    for (const path of MODEL_FILES.filter((p) => !server.isLfs(REPO, p))) expect(resolveRequests(server, path)).toHaveLength(1);
    expect(await readdir(join(home, "hub", ".locks", "models--tiny-org--tiny-llama"))).toEqual([]);
  });

  it("takes over the lock of a process that died", async () => {
    const server = await serve();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    const lock = join(home, "hub", ".locks", "models--tiny-org--tiny-llama", `${server.etagOf(REPO, "model.safetensors")}.tunelab.lock`);
    await mkdir(dirname(lock), { recursive: true });
    await writeFile(lock, JSON.stringify({ pid: dead, host: hostname() }));
    const dir = await downloadSnapshot(`hf:${REPO}`, options(server));
    expect(digest(await readFile(join(dir, "model.safetensors")))).toBe(digest(server.content(REPO, "model.safetensors")));
    expect(await exists(lock)).toBe(false);
  });

  it("refuses bad options naming the field", async () => {
    const server = await serve();
    await expect(downloadSnapshot(`hf:${REPO}`, options(server, { retries: -1 }))).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringMatching(/^download options: field retries:/),
    });
    await expect(downloadSnapshot({ repo: "no-slash", revision: "main" }, options(server))).rejects.toMatchObject({
      code: "invalid_argument",
    });
  });
});

describe("downloadSnapshot: verified", () => {
  it("refuses a corrupted LFS file naming it, deletes it and registers nothing", async () => {
    const server = await serve();
    const sha = server.etagOf(REPO, "model.safetensors");
    server.corrupt("model.safetensors", 1);
    await expect(downloadSnapshot(`hf:${REPO}`, options(server))).rejects.toMatchObject({
      code: "io_error",
      message: expect.stringMatching(
        new RegExp(`^model\\.safetensors of hf:tiny-org/tiny-llama@main .*checksum mismatch: expected sha256 ${sha}, got [0-9a-f]{64}`),
      ),
    });
    const blobs = await readdir(join(repoDir(REPO), "blobs"));
    expect(blobs.filter((name) => name.startsWith(sha))).toEqual([]);
    expect(await exists(join(repoDir(REPO), "refs", "main"))).toBe(false);
    expect(await exists(join(repoDir(REPO), "snapshots"))).toBe(false);

    const dir = await downloadSnapshot(`hf:${REPO}`, options(server));
    expect(digest(await readFile(join(dir, "model.safetensors")))).toBe(digest(server.content(REPO, "model.safetensors")));
  });

  it("checks a regular git file against its git blob id", async () => {
    const server = await serve();
    server.corrupt("tokenizer_config.json", 1);
    await expect(downloadSnapshot(`hf:${REPO}`, options(server))).rejects.toThrow(
      new RegExp(`^tokenizer_config\\.json of .*checksum mismatch: expected git-sha1 ${server.etagOf(REPO, "tokenizer_config.json")}`),
    );
  });
});

describe("downloadSnapshot: gated repositories", () => {
  it("fails with a clear 401 without HF_TOKEN, and succeeds with it, never sending it to the CDN", async () => {
    const server = await serve([{ repo: GATED, files: tinyModelFiles({ seed: "gated" }), gated: true }]);
    const failure = downloadSnapshot(`hf:${GATED}`, options(server));
    await expect(failure).rejects.toMatchObject({ code: "invalid_argument", details: { status: 401, errorCode: "GatedRepo" } });
    await expect(failure).rejects.toThrow(
      /answered 401 .*gated-org\/tiny-gated is a gated model; accept the model's conditions at .* then set HF_TOKEN/,
    );
    expect(await exists(join(repoDir(GATED), "refs"))).toBe(false);

    await expect(downloadSnapshot(`hf:${GATED}`, options(server, { token: "hf_wrong" }))).rejects.toThrow(
      /answered 401 .*HF_TOKEN was refused/,
    );

    const start = server.requests.length;
    const dir = await downloadSnapshot(`hf:${GATED}`, options(server, { token: TOKEN }));
    expect(digest(await readFile(join(dir, "model.safetensors")))).toBe(digest(server.content(GATED, "model.safetensors")));
    const hubRequests = server.requests.slice(start).filter((r) => r.server === "hub");
    expect(hubRequests.length).toBeGreaterThan(0);
    expect(hubRequests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(cdnRequests(server).length).toBeGreaterThan(0);
    expect(cdnRequests(server).every((r) => r.authorization === undefined)).toBe(true);
  });
});

describe("downloadSnapshot: sharded checkpoints", () => {
  it("reads the index and downloads exactly its shards (listing paginated)", async () => {
    const server = await serve([{ repo: SHARDED, files: tinyModelFiles({ sharded: true, seed: "sharded" }) }], { treePageSize: 3 });
    const dir = await downloadSnapshot(`hf:${SHARDED}`, options(server));
    const expected = [
      "config.json",
      "generation_config.json",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.safetensors.index.json",
      "special_tokens_map.json",
      "tokenizer.json",
      "tokenizer_config.json",
    ];
    expect((await readdir(dir)).sort()).toEqual(expected);
    for (const path of expected) expect(digest(await readFile(join(dir, path)))).toBe(digest(server.content(SHARDED, path)));
    expect(resolveRequests(server, "pytorch_model-00001-of-00002.bin")).toEqual([]);
    expect(server.requests.filter((r) => r.url.includes("/tree/") && r.url.includes("cursor=")).length).toBeGreaterThan(0);

    const before = server.requests.length;
    expect(await downloadSnapshot(`hf:${SHARDED}`, options(server))).toBe(dir);
    expect(server.requests.length).toBe(before);
  });

  it("refuses an index that names a shard the repository does not have", async () => {
    const files = tinyModelFiles({ sharded: true });
    delete files["model-00002-of-00002.safetensors"];
    const server = await serve([{ repo: SHARDED, files }]);
    await expect(downloadSnapshot(`hf:${SHARDED}`, options(server))).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(
        /model\.safetensors\.index\.json of .*field weight_map names shard "model-00002-of-00002\.safetensors", which is not in the repository/,
      ),
    });
    expect(resolveRequests(server, "model-00001-of-00002.safetensors")).toEqual([]);
  });
});

describe("downloadSnapshot: repositories it cannot use", () => {
  it("refuses a repository without safetensors weights before downloading anything", async () => {
    const files = tinyModelFiles();
    delete files["model.safetensors"];
    const server = await serve([{ repo: REPO, files }]);
    await expect(downloadSnapshot(`hf:${REPO}`, options(server))).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(
        /has no model\.safetensors and no model\.safetensors\.index\.json \(it has .*pytorch_model\.bin.*\): tunelab loads safetensors weights only/,
      ),
    });
    expect(server.requests.filter((r) => r.url.includes("/resolve/"))).toEqual([]);
  });

  it("names an unknown repository and an unknown revision", async () => {
    const server = await serve();
    await expect(downloadSnapshot("hf:tiny-org/missing", options(server))).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringMatching(
        /^hf:tiny-org\/missing@main: the Hub answered 401 \(Repository not found\); the repository does not exist/,
      ),
    });
    await expect(downloadSnapshot(`hf:${REPO}@v9`, options(server))).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringMatching(
        /^hf:tiny-org\/tiny-llama@v9: the Hub answered 404 \(Invalid rev id: v9\); the revision does not exist/,
      ),
    });
  });

  it("reports an unreachable Hub", async () => {
    const server = await serve();
    const url = server.url;
    await server.close();
    hub = undefined;
    await expect(downloadSnapshot(`hf:${REPO}`, { endpoint: url, hfHome: home })).rejects.toMatchObject({
      code: "io_error",
      message: expect.stringMatching(/cannot reach the Hub at http:\/\/127\.0\.0\.1:\d+ .*HF_ENDPOINT/),
    });
  });
});
