import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runningWorkerTasks, runWorkerTask } from "./worker-task.ts";

const dir = mkdtempSync(join(tmpdir(), "tunelab-worker-task-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A worker entry written for the test (plain JavaScript, so no loader is needed in the worker). */
function entry(name: string, source: string): URL {
  const path = join(dir, name);
  writeFileSync(path, source);
  return pathToFileURL(path);
}

describe("runWorkerTask", () => {
  it("passes the worker's progress on before its answer", async () => {
    const worker = entry(
      "counts.mjs",
      `import { parentPort, workerData } from "node:worker_threads";
       for (let i = 1; i <= workerData; i++) parentPort.postMessage({ progress: i });
       parentPort.postMessage({ ok: true, result: "done" });`,
    );
    const seen: unknown[] = [];
    expect(await runWorkerTask(worker, 3, { onProgress: (p) => seen.push(p) })).toBe("done");
    expect(seen).toEqual([1, 2, 3]);
  });

  it("stops a task when its signal aborts: the worker is terminated and the task fails with the signal's reason", async () => {
    const worker = entry(
      "forever.mjs",
      `import { parentPort } from "node:worker_threads";
       parentPort.postMessage({ progress: "started" });
       setInterval(() => {}, 1000); // never answers`,
    );
    const stop = new AbortController();
    const task = runWorkerTask(worker, null, { signal: stop.signal, onProgress: () => stop.abort(new Error("client gone")) });
    await expect(task).rejects.toThrow("client gone");
    expect(runningWorkerTasks()).toBe(0);
    await expect(runWorkerTask(worker, null, { signal: AbortSignal.abort(new Error("before")) })).rejects.toThrow("before");
  });
});
