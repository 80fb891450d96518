// Grader set versions as `tunelab graders add/remove` and the API store them: removing the grader just added goes back to
// the set before it, whose content (and eval runs) already exist.
import type { GraderConfig } from "@tunelab/evals";
import { parseGraderConfig } from "@tunelab/evals";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProject } from "../projects/project.repository.ts";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { currentGraderSet, listGraderSets } from "./grader-set.repository.ts";
import { addGraders, removeGrader } from "./save-grader-set.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
  await createProject(ws.db, { name: "p" });
});
afterEach(async () => {
  await ws.dispose();
});

const exact = (name: string): GraderConfig =>
  parseGraderConfig({ type: "string_check", name, input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }, "");

describe("grader set versions", () => {
  it("removing the grader just added makes the set before it current again, and adding it back does the same", async () => {
    const first = await addGraders(ws, "p", [exact("a")]);
    const second = await addGraders(ws, "p", [exact("b")]);
    expect([first.graderSet.ref, second.graderSet.ref]).toEqual(["graders@1", "graders@2"]);

    const back = await removeGrader(ws, "p", "b");
    expect(back).toMatchObject({ created: false, restored: true, graderSet: { ref: "graders@1" } });
    const project = (await ws.db.selectFrom("projects").select("id").where("name", "=", "p").executeTakeFirstOrThrow()).id;
    expect((await currentGraderSet(ws.db, project))?.ref).toBe("graders@1");

    const again = await addGraders(ws, "p", [exact("b")]);
    expect(again).toMatchObject({ created: false, restored: true, graderSet: { ref: "graders@2" } });
    expect((await currentGraderSet(ws.db, project))?.ref).toBe("graders@2");
    // the current set unchanged is just that, and new content is the next version number
    expect(await addGraders(ws, "p", [exact("b")])).toMatchObject({ created: false, restored: false });
    expect((await addGraders(ws, "p", [exact("c")])).graderSet.ref).toBe("graders@3");
    expect((await listGraderSets(ws.db, project)).map((s) => s.ref)).toEqual(["graders@1", "graders@2", "graders@3"]);
  });
});
