// Listing a project's experiments a page at a time, on a real workspace (SQLite, and PostgreSQL in the postgres
// project): paged in the database in a stable order (creation time, then id), `total` counting every page, the
// leaderboard's defaults (1,000 a page, at most 10,000), and bad limits or offsets refused naming the field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedScoredProject, untrainedExperiment } from "../test-support/scored-project.ts";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { listExperiments } from "./experiment.repository.ts";
import { listExperimentPage } from "./experiment-list.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let projectId: string;
beforeAll(async () => {
  ws = await tempWorkspace();
  await seedScoredProject(ws, { project: "p", items: 2 });
  await seedScoredProject(ws, { project: "other", items: 2 });
  for (const seed of [1, 2, 3]) await untrainedExperiment(ws, "p", `e${seed}`, seed);
  await untrainedExperiment(ws, "other", "elsewhere", 1);
  const template = await ws.db.selectFrom("experiments").selectAll().where("name", "=", "e1").executeTakeFirstOrThrow();
  projectId = template.project_id;
  // a sweep's worth more, all created at the same instant (their order is their ids'), in a shuffled id order
  const sweep = Array.from({ length: 1_005 }, (_, i) => ({
    ...template,
    id: `exp_sweep${String((i * 7919) % 1_005).padStart(5, "0")}`,
    name: `sweep-${i}`,
    config_hash: `hash-${i}`,
    created_at: "2999-01-01T00:00:00.000Z",
  }));
  for (let i = 0; i < sweep.length; i += 100)
    await ws.db
      .insertInto("experiments")
      .values(sweep.slice(i, i + 100))
      .execute();
}, 120_000);
afterAll(async () => ws?.dispose());

describe("listExperimentPage", () => {
  it("gives 1,000 experiments by default, oldest first, and counts the project's (not another project's) in total", async () => {
    const page = await listExperimentPage(ws, { project: "p" });
    expect({ total: page.total, offset: page.offset, limit: page.limit, rows: page.experiments.length }).toEqual({
      total: 1_008,
      offset: 0,
      limit: 1_000,
      rows: 1_000,
    });
    expect(page.experiments.slice(0, 3).map((e) => e.name)).toEqual(["e1", "e2", "e3"]);
    expect(page.experiments[3]?.id).toBe("exp_sweep00000");
    expect(page.experiments.every((e) => e.projectId === projectId)).toBe(true);
  });

  it("pages with limit and offset in a stable order: the pages together are the whole list, once each", async () => {
    const all = await listExperiments(ws.db, projectId);
    const ids: string[] = [];
    for (let offset = 0; offset < all.length; offset += 400) {
      const page = await listExperimentPage(ws, { project: "p", limit: 400, offset });
      expect({ offset: page.offset, limit: page.limit, total: page.total }).toEqual({ offset, limit: 400, total: 1_008 });
      ids.push(...page.experiments.map((e) => e.id));
    }
    expect(ids).toEqual(all.map((e) => e.id));
    expect(new Set(ids).size).toBe(1_008);
    const last = await listExperimentPage(ws, { project: "p", limit: 5, offset: 1_006 });
    expect(last.experiments.map((e) => e.id)).toEqual(all.slice(1_006).map((e) => e.id));
    const past = await listExperimentPage(ws, { project: "p", offset: 5_000 });
    expect({ rows: past.experiments.length, total: past.total }).toEqual({ rows: 0, total: 1_008 });
    expect((await listExperimentPage(ws, { project: "p", limit: 10_000 })).experiments).toHaveLength(1_008);
  });

  it("refuses a limit or offset out of range, naming the field, and an unknown project", async () => {
    for (const [query, field] of [
      [{ limit: 0 }, "limit"],
      [{ limit: 10_001 }, "limit"],
      [{ limit: 2.5 }, "limit"],
      [{ offset: -1 }, "offset"],
      [{ offset: 1.5 }, "offset"],
    ] as const)
      await expect(listExperimentPage(ws, { project: "p", ...query }), JSON.stringify(query)).rejects.toMatchObject({
        code: "invalid_argument",
        message: new RegExp(`^${field}: `),
      });
    await expect(listExperimentPage(ws, { project: "nope" })).rejects.toMatchObject({ code: "not_found" });
  });
});
