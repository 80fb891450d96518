// Grader sets stored while cosine similarity embedded with text-embedding-3-small by default keep that model once the
// default became text-embedding-3-large (OpenAI's): migration 0014 writes it into their configs, so one board never mixes
// scores of two embedding models, and adding the same grader JSON again finds the stored set.
import type { GraderConfig } from "@tunelab/evals";
import { parseGraderConfig } from "@tunelab/evals";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { currentGraderSet } from "../../grader-sets/grader-set.repository.ts";
import { addGraders } from "../../grader-sets/save-grader-set.ts";
import { createProject } from "../../projects/project.repository.ts";
import { tempWorkspace } from "../../test-support/temp-workspace.ts";
import { PINNED_EMBEDDING_MODEL, pinCosine, up } from "./0014_cosine_embedding_pinned.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
  await createProject(ws.db, { name: "p" });
});
afterEach(async () => {
  await ws.dispose();
});

const cosine = {
  type: "text_similarity",
  name: "close",
  input: "{{sample.output_text}}",
  reference: "{{item.reference}}",
  evaluation_metric: "cosine",
};
const graders = (): GraderConfig[] => [
  parseGraderConfig(cosine, ""),
  parseGraderConfig({ ...cosine, name: "named", embedding_model: "my-embedder" }, ""),
  parseGraderConfig({ ...cosine, name: "fuzzy", evaluation_metric: "fuzzy_match" }, ""),
  parseGraderConfig({ type: "multi", name: "both", graders: { c: cosine }, calculate_output: "c" }, ""),
];

describe("migration 0014", () => {
  it("pins text-embedding-3-small on stored cosine graders without a model, also inside multi; others unchanged", async () => {
    await addGraders(ws, "p", graders());
    await up(ws.db as never);
    const project = (await ws.db.selectFrom("projects").select("id").where("name", "=", "p").executeTakeFirstOrThrow()).id;
    const stored = (await currentGraderSet(ws.db, project))?.graders as unknown as Record<string, unknown>[];
    expect(stored.map((g) => g.embedding_model)).toEqual([PINNED_EMBEDDING_MODEL, "my-embedder", undefined, undefined]);
    expect(((stored[3]?.graders ?? {}) as Record<string, Record<string, unknown>>).c?.embedding_model).toBe(PINNED_EMBEDDING_MODEL);
    // the same grader JSON added again is the stored set, pinned model included: no new board
    expect(await addGraders(ws, "p", graders())).toMatchObject({ created: false, graderSet: { ref: "graders@1" } });
    // running it again changes nothing
    await up(ws.db as never);
    expect((await currentGraderSet(ws.db, project))?.graders).toEqual(stored);
  });

  it("pinCosine leaves graders that are not cosine similarity as they are", () => {
    const check = { type: "string_check", name: "x", input: "a", reference: "b", operation: "eq" };
    expect(pinCosine(check)).toEqual({ grader: check, changed: false });
    expect(pinCosine({ ...cosine, embedding_model: "e" }).changed).toBe(false);
  });
});
