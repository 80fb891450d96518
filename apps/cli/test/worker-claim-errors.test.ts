// A `tunelab worker` whose database becomes unreachable says so: one line on stderr when claiming starts failing (naming
// the database and the error, no stack trace, not one per poll) and one when it works again. Real PostgreSQL: the
// worker's database stops accepting connections and its connections are terminated, then it accepts them again.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPostgresBin, startTestPostgres, type TestPostgres } from "../../../scripts/postgres-test-server.ts";
import { startCli } from "./run-cli.ts";

const bin = findPostgresBin();
const available = bin !== undefined || process.env.CI === "true";
if (!available) console.log("worker-claim-errors test skipped: no PostgreSQL on this machine (install Debian's postgresql package)");

let dir: string;
let postgres: TestPostgres | undefined;
const serverUrl = (): string => {
  if (!postgres) throw new Error("PostgreSQL is not started");
  return postgres.url;
};
const psql = (sql: string) => {
  const local = bin === undefined ? undefined : join(bin, "psql");
  execFileSync(local && existsSync(local) ? local : "psql", [serverUrl(), "-v", "ON_ERROR_STOP=1", "-qc", sql], {
    stdio: "pipe",
  });
};

beforeAll(async () => {
  if (!available) return;
  if (bin === undefined) throw new Error("CI needs PostgreSQL: .ci/run installs Debian's postgresql package");
  dir = mkdtempSync(join(tmpdir(), "tunelab-worker-claims-"));
  postgres = await startTestPostgres(bin);
  psql("CREATE DATABASE tunelab_w");
}, 120_000);
afterAll(() => {
  postgres?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean, what: () => string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!available)("tunelab worker: claim errors", () => {
  it("reports once when its database becomes unreachable and once when it is back", async () => {
    const database = serverUrl().replace(/\/postgres$/, "/tunelab_w");
    const worker = startCli(["worker", "--kinds", "train"], {
      home: join(dir, ".tunelab"),
      cwd: dir,
      env: { TUNELAB_DATABASE_URL: database, TUNELAB_BLOB_DIR: join(dir, "blobs") },
    });
    try {
      await worker.waitFor(/tunelab worker \d+:/);
      const stderr = () => worker.output().stderr;
      psql("ALTER DATABASE tunelab_w ALLOW_CONNECTIONS false");
      psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'tunelab_w'");
      await until(
        () => /cannot claim work/.test(stderr()),
        () => `the failure line; stderr: ${stderr()}`,
      );
      // several polls (1 s apart) fail meanwhile: reported once, not once per poll
      await new Promise((r) => setTimeout(r, 6_000));
      psql("ALTER DATABASE tunelab_w ALLOW_CONNECTIONS true");
      await until(
        () => /works again/.test(stderr()),
        () => `the recovery line; stderr: ${stderr()}`,
      );

      const lines = stderr().split("\n");
      const failing = lines.filter((l) => l.includes("cannot claim work"));
      expect(failing, stderr()).toHaveLength(1);
      expect(failing[0]).toContain("tunelab_w");
      expect(failing[0]).toContain("not currently accepting connections");
      expect(stderr()).not.toMatch(/^\s+at /m);
      const recovered = lines.filter((l) => l.includes("works again"));
      expect(recovered).toHaveLength(1);
      expect(recovered[0]).toMatch(/^tunelab worker: claiming work from postgres:\/\/postgres@127\.0\.0\.1:\d+\/tunelab_w works again/);
      expect(Number(/after (\d+) failed attempts/.exec(recovered[0] as string)?.[1])).toBeGreaterThan(1);
    } finally {
      worker.child.kill("SIGTERM");
      await worker.exited;
    }
    expect(worker.output().stdout).toContain("worker stopped");
  }, 120_000);
});
