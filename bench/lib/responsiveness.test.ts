import { describe, expect, it } from "vitest";
import { measureResponsiveness } from "./responsiveness.ts";

describe("tunelab serve while 100k-line files are validated", () => {
  it("answers every GET /api/projects during a job creation and an import, also while they are validated", async () => {
    const { polls, upload, job, imported } = await measureResponsiveness(100_000);
    expect(upload).toMatchObject({ status: 200, body: { object: "file", purpose: "fine-tune" } });
    expect(job).toMatchObject({ status: 200, body: { object: "fine_tuning.job", status: "validating_files" } });
    expect(imported).toMatchObject({ status: 201, body: { status: "created", version: { ref: "train@1", exampleCount: 100_000 } } });
    expect(imported.body.report.issueCounts.missing_system_message).toBe(100_000);
    expect(polls.filter((p) => p.status !== 200)).toEqual([]);
    // the validation ran off the request thread: the server answered while a dataset worker was still at work
    expect(polls.filter((p) => p.whileValidating).length).toBeGreaterThanOrEqual(5);
  }, 900_000);
});
