import { isTunelabError } from "@tunelab/base";
import { DEFAULT_LEASE_SECONDS } from "@tunelab/storage";
import { describe, expect, it } from "vitest";
import { readEnv } from "./env.ts";

describe("readEnv", () => {
  it("treats an empty variable as unset (TUNELAB_TOKEN= means no token)", () => {
    const env = readEnv({ TUNELAB_TOKEN: "", TUNELAB_LEASE_SECONDS: "", FORCE_COLOR: "" });
    expect(env.TUNELAB_TOKEN).toBeUndefined();
    // unset means the default lease
    expect(env.TUNELAB_LEASE_SECONDS).toBe(DEFAULT_LEASE_SECONDS);
    expect(env.FORCE_COLOR).toBeUndefined();
    expect(readEnv({ TUNELAB_TOKEN: "s3cret", TUNELAB_LEASE_SECONDS: "4" })).toMatchObject({
      TUNELAB_TOKEN: "s3cret",
      TUNELAB_LEASE_SECONDS: 4,
    });
    expect(readEnv({ TUNELAB_BLOB_URL: "s3://team-bucket/tunelab" }).TUNELAB_BLOB_URL).toBe("s3://team-bucket/tunelab");
  });

  it("refuses a malformed value with one line naming the variable, not a ZodError", () => {
    for (const [source, name] of [
      [{ TUNELAB_LEASE_SECONDS: "soon" }, "TUNELAB_LEASE_SECONDS"],
      [{ TUNELAB_TOKEN: "two words" }, "TUNELAB_TOKEN"],
      [{ OPENAI_BASE_URL: "not a url" }, "OPENAI_BASE_URL"],
      [{ TUNELAB_BLOB_URL: "https://bucket.example/prefix" }, "TUNELAB_BLOB_URL"],
      [{ TUNELAB_BLOB_URL: "s3://Not_A_Bucket" }, "TUNELAB_BLOB_URL"],
      [{ AWS_ENDPOINT_URL_S3: "minio:9000" }, "AWS_ENDPOINT_URL_S3"],
    ] as const) {
      let caught: unknown;
      try {
        readEnv(source);
      } catch (error) {
        caught = error;
      }
      expect(isTunelabError(caught)).toBe(true);
      const message = (caught as Error).message;
      expect(message).toMatch(new RegExp(`^environment variable ${name}: `));
      expect(message).not.toContain("\n");
    }
  });
});
