// The compiled CLI with its blobs in an S3-compatible bucket (a real HTTP server on loopback speaking S3's REST API):
// an import uploads the version, and an export on a machine whose local cache lacks it downloads it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_S3_CREDENTIALS, type FakeS3, startFakeS3 } from "../../../packages/storage/test-support/fake-s3.ts";
import { startCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
let s3: FakeS3;
let dir: string;
let home: string;

/** The CLI as a child process, awaited without blocking this process (the fake bucket answers from here). */
async function tunelab(args: string[], env: Record<string, string> = {}) {
  const child = startCli(args, {
    home,
    env: {
      TUNELAB_BLOB_URL: "s3://team-blobs/tunelab",
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: FAKE_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAKE_S3_CREDENTIALS.secretAccessKey,
      ...env,
    },
  });
  const code = await child.exited;
  return { code, ...child.output() };
}

beforeAll(async () => {
  s3 = await startFakeS3(["team-blobs"]);
  dir = mkdtempSync(join(tmpdir(), "tunelab-cli-bucket-"));
  home = join(dir, ".tunelab");
});
afterAll(async () => {
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("tunelab with TUNELAB_BLOB_URL", () => {
  it("imports into the bucket and exports from it once the local cache is gone", async () => {
    const imported = await tunelab(["data", "import", `${EXAMPLES}train-v1.jsonl`, "-p", "tickets", "-d", "train", "--json"]);
    expect(imported.code, imported.stderr).toBe(0);
    const { contentHash } = (JSON.parse(imported.stdout) as { version: { contentHash: string } }).version;
    const key = `team-blobs/tunelab/${contentHash.slice(0, 2)}/${contentHash}`;
    expect(s3.objects.has(key)).toBe(true);

    rmSync(join(home, "blobs"), { recursive: true, force: true });
    const out = join(dir, "train-1.jsonl");
    const exported = await tunelab(["data", "export", "train@1", "-p", "tickets", "-o", out]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(readFileSync(out)).toEqual(s3.objects.get(key));
    expect(existsSync(join(home, "blobs", contentHash.slice(0, 2), contentHash))).toBe(true);
  });

  it("refuses a TUNELAB_BLOB_URL that is not an S3 URL, in one line naming the variable", async () => {
    const result = await tunelab(["data", "list", "-p", "tickets"], { TUNELAB_BLOB_URL: "https://team-blobs/tunelab" });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/environment variable TUNELAB_BLOB_URL: an S3 URL such as s3:\/\/bucket/);
  });
});
