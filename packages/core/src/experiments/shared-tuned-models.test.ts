import { join } from "node:path";
import { DirectoryBlobs, S3Blobs } from "@tunelab/storage";
import { describe, expect, it } from "vitest";
import type { Workspace } from "../storage/workspace.ts";
import { blobsAreShared } from "./shared-tuned-models.ts";
import { TunedModelManifest } from "./tuned-model-manifest.ts";

const HOME = "/srv/tunelab/.tunelab";
const workspace = (blobs: Workspace["blobs"]) => ({ home: HOME, blobs }) as Workspace;
const FILE = { path: "weights.bin", sha256: "a".repeat(64), bytes: 12 };
const manifest = (files: unknown[]) => ({
  kind: "tunelab.tuned-model",
  version: 1,
  model: "ft:local-tiny:tunelab::abc",
  baseModel: "local-tiny",
  files,
});

describe("blobsAreShared", () => {
  it("is false for the home's own blob directory: no other machine could fetch what is published there", () => {
    expect(blobsAreShared(workspace(new DirectoryBlobs(join(HOME, "blobs"))))).toBe(false);
    expect(blobsAreShared(workspace(new DirectoryBlobs(`${HOME}/./blobs/`)))).toBe(false);
  });

  it("is true for a blob directory set apart (a network mount) and for a bucket", () => {
    expect(blobsAreShared(workspace(new DirectoryBlobs("/mnt/shared/tunelab-blobs")))).toBe(true);
    expect(blobsAreShared(workspace(new S3Blobs({ bucket: "team-blobs", prefix: "", cache: join(HOME, "blobs") })))).toBe(true);
  });
});

describe("TunedModelManifest", () => {
  it("accepts relative paths inside the model directory", () => {
    expect(TunedModelManifest.safeParse(manifest([FILE, { ...FILE, path: "adapter/adapter_model.safetensors" }])).success).toBe(true);
  });

  it("refuses paths that leave the model directory, and hashes that are not sha256", () => {
    for (const path of ["../weights.bin", "/etc/passwd", "a/../../b", "a//b", "./weights.bin", ""])
      expect(TunedModelManifest.safeParse(manifest([{ ...FILE, path }])).success, path).toBe(false);
    expect(TunedModelManifest.safeParse(manifest([{ ...FILE, sha256: "../x" }])).success).toBe(false);
    expect(TunedModelManifest.safeParse({ ...manifest([FILE]), model: "local-tiny" }).success).toBe(false);
  });
});
