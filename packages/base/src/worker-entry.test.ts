import { describe, expect, it } from "vitest";
import { workerEntry } from "./worker-entry.ts";

describe("workerEntry", () => {
  const stub = new URL("file:///repo/packages/core/src/datasets/worker/dataset-worker.mjs");

  it("is the tsx stub when running from the TypeScript sources (as here, under vitest)", () => {
    expect(workerEntry("dataset-worker", stub).href).toBe(stub.href);
  });

  it("is the compiled entry beside the bundle when running compiled", () => {
    const self = "file:///repo/apps/cli/dist/abc/chunk-XYZ.js";
    expect(workerEntry("dataset-worker", stub, self).href).toBe("file:///repo/apps/cli/dist/abc/dataset-worker.js");
  });
});
