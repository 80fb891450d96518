import { mulberry32 } from "@tunelab/evals";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "./api-harness.ts";

let h: Awaited<ReturnType<typeof apiHarness>>;
beforeAll(async () => {
  h = await apiHarness();
  await h.call("POST", "/api/projects", { name: "p" });
});
afterAll(async () => h.dispose());

const NASTY_SEGMENTS = [
  "..%2F..%2Fetc%2Fpasswd",
  "%2e%2e",
  "exp_doesnotexist",
  "run_doesnotexist",
  "p",
  "x".repeat(300),
  "%00",
  "%E0%A4%A",
  "<script>",
  "' OR 1=1 --",
  "-1",
  "9999999999999999999",
];
const NASTY_BODIES: unknown[] = [
  "{not json",
  "",
  "null",
  "[]",
  "42",
  '"string"',
  { name: 42 },
  { model: null, dataset: ["train@1"] },
  { model: "local-tiny", hyperparameters: { n_epochs: -1 } },
  { model: "local-tiny", hyperparameters: { n_epochs: "many" }, dataset: "train@99" },
  { graders: [{ type: "nope" }] },
  { graders: [{ type: "custom", name: "x", path: "/etc/passwd" }] },
  { graders: [{ type: "python", name: "x", source: 42 }] },
  { grader: { type: "string_check" }, sample: 5 },
  { datasets: [], model: "x" },
  { model: "local-tiny", sampling: { temperature: 99 } },
  { __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } },
  { name: "a".repeat(10_000) },
  "x".repeat(3 * 1024 * 1024),
];

async function counts() {
  const n = async (table: "projects" | "datasets" | "dataset_versions" | "grader_sets" | "experiments" | "eval_runs" | "eval_samples") =>
    Number(
      (
        await h.ws.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    projects: await n("projects"),
    datasets: await n("datasets"),
    versions: await n("dataset_versions"),
    graders: await n("grader_sets"),
    experiments: await n("experiments"),
    runs: await n("eval_runs"),
    samples: await n("eval_samples"),
  };
}

describe("the API under malformed input", () => {
  it("answers every route with 4xx (never 5xx) and writes nothing", async () => {
    const doc = (await h.call("GET", "/api/openapi.json")).json as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ path, method: method.toUpperCase() })),
    );
    expect(routes.length).toBeGreaterThan(15);
    const before = await counts();
    const random = mulberry32(1234);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    let requests = 0;
    for (const route of routes) {
      for (let i = 0; i < 12; i++) {
        const path = `/api${route.path.replace(/\{[^}]+\}/g, () => pick(NASTY_SEGMENTS))}${random() < 0.3 ? `?sort=${pick(NASTY_SEGMENTS)}&limit=${pick(["-5", "abc", "1e9", ""])}&from=x` : ""}`;
        const body = route.method === "GET" ? undefined : pick(NASTY_BODIES);
        const headers =
          typeof body === "string"
            ? { "content-type": pick(["application/json", "application/x-ndjson", "text/plain", "multipart/form-data"]) }
            : {};
        const response = await h.call(route.method, path, body, headers);
        requests++;
        expect(
          response.status,
          `${route.method} ${path} -> ${response.status} ${JSON.stringify(response.json).slice(0, 200)}`,
        ).toBeLessThan(500);
        if (response.status >= 400)
          expect(typeof response.json === "object" && response.json !== null && "error" in response.json, `${route.method} ${path}`).toBe(
            true,
          );
      }
    }
    expect(requests).toBeGreaterThan(200);
    expect(await counts()).toEqual(before);
  });
});
