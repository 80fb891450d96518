import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "./api-harness.ts";

let h: Awaited<ReturnType<typeof apiHarness>>;
beforeAll(async () => {
  h = await apiHarness();
}, 60_000);
afterAll(async () => h.dispose());

/** Every `pattern` of the document with where it is: the parameter's or property's name and its path. */
function patterns(doc: unknown): Array<{ pattern: string; name: string; where: string }> {
  const found: Array<{ pattern: string; name: string; where: string }> = [];
  const walk = (value: unknown, where: string, name: string) => {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, `${where}[${i}]`, name);
    } else if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      const own = typeof record.name === "string" && "schema" in record ? record.name : name;
      for (const [key, v] of Object.entries(record)) {
        if (key === "pattern" && typeof v === "string") found.push({ pattern: v, name, where });
        else walk(v, `${where}/${key}`, where.endsWith("/properties") ? key : own);
      }
    }
  };
  walk(doc, "", "");
  return found;
}

/** Values the API accepts for each patterned name, mixed case where names may be (as a schema-driven client sends). */
const VALID: Record<string, string[]> = {
  project: ["Ticket-Router.v2", "ticket-router", "a"],
  dataset: ["Train_2", "train"],
  // dataset versions an experiment or a sweep trains and validates on
  datasets: ["train@2", "Train_2", "train-v1-25pct@1"],
  validation: ["valid@1", "Valid_2"],
  id: ["exp_0mx5r2abc", "run_0mx5r2abc"],
  suffix: ["Nightly_v2", ""],
  at: ["1000", "960,1920", "1500.5"],
  sort: ["grader:exact", "grader:Fields v2"],
  // the leaderboard of a test split or grader set version: its ref or just its number
  split: ["test@1", "12"],
  graders: ["graders@2", "1"],
  // response bodies: names of projects and datasets, and grader configs (python/custom env, regex flags, module hash)
  name: ["Ticket-Router.v2", "train"],
  env: ["OPENAI_API_KEY", "hf_home"],
  flags: ["", "i", "ims"],
  sha256: ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
};

describe("the OpenAPI document's patterns", () => {
  it("are ECMA-262 patterns without flags that accept the names the API accepts", async () => {
    const doc = (await h.call("GET", "/api/openapi.json")).json;
    const all = patterns(doc);
    expect(all.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const { pattern, name, where } of all) {
      let regex: RegExp;
      try {
        regex = new RegExp(pattern, "u"); // JSON Schema's dialect: ECMA-262, no flags of its own
        new RegExp(pattern);
      } catch (error) {
        problems.push(`${where}: ${pattern} does not compile: ${(error as Error).message}`);
        continue;
      }
      if (/\/[dgimsuvy]+$/.test(pattern)) problems.push(`${where}: ${pattern} ends in a JavaScript regex flag`);
      const valid = (VALID[name] ?? []).filter((v) => (where.includes("/eval-runs/") ? !v.startsWith("exp_") : !v.startsWith("run_")));
      if (valid.length === 0) problems.push(`${where}: no valid example for "${name}" in this test`);
      for (const v of valid) if (!regex.test(v)) problems.push(`${where}: ${pattern} refuses ${JSON.stringify(v)}`);
    }
    expect(problems).toEqual([]);
  });

  it("name what the API really accepts: a mixed-case project name round-trips", async () => {
    const created = await h.call("POST", "/api/projects", { name: "Ticket-Router.v2" });
    expect(created.status).toBe(201);
    expect((await h.call("GET", "/api/projects/Ticket-Router.v2")).status).toBe(200);
    expect((await h.call("GET", "/api/projects/-bad")).status).toBe(400);
  });
});
