import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readEnv } from "../env.ts";
import { blobsPath, databaseLocation } from "./home.ts";

describe("where a workspace keeps its data", () => {
  it("uses SQLite and blobs in the tunelab home by default", () => {
    expect(databaseLocation("/w/.tunelab", readEnv({}))).toBe(join("/w/.tunelab", "tunelab.db"));
    expect(blobsPath("/w/.tunelab", readEnv({}))).toBe(join("/w/.tunelab", "blobs"));
  });

  it("uses the PostgreSQL of TUNELAB_DATABASE_URL and the blob directory of TUNELAB_BLOB_DIR", () => {
    const env = readEnv({ TUNELAB_DATABASE_URL: "postgresql://tune:pw@db:5432/tunelab", TUNELAB_BLOB_DIR: "shared/blobs" });
    expect(databaseLocation("/w/.tunelab", env)).toBe("postgresql://tune:pw@db:5432/tunelab");
    expect(blobsPath("/w/.tunelab", env)).toBe(resolve("shared/blobs"));
  });

  it("refuses a TUNELAB_DATABASE_URL that is not a PostgreSQL URL, naming the variable", () => {
    expect(() => readEnv({ TUNELAB_DATABASE_URL: "/home/me/tunelab.db" })).toThrow(/TUNELAB_DATABASE_URL: a PostgreSQL URL/);
  });
});
