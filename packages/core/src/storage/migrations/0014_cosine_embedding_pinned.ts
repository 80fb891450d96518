import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.
// Portable: data only, through kysely's query builder (the same on SQLite and PostgreSQL).
// `text_similarity` graders with `evaluation_metric: "cosine"` and no `embedding_model` embedded with
// text-embedding-3-small until tunelab's default became OpenAI's text-embedding-3-large. Grader sets stored before keep
// the model their scores were computed with: it is written into their configs (also inside `multi` graders), so their
// experiments' scores and new scores on the same board come from one embedding model. The sets' content hashes stay as
// they were, so adding the same grader JSON again finds the stored set (with the model pinned) instead of starting a
// new board; a grader JSON that names a model is unchanged.

export const PINNED_EMBEDDING_MODEL = "text-embedding-3-small";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The grader config with the old default written into every unpinned cosine grader; `changed` says whether any was. */
export function pinCosine(grader: unknown): { grader: unknown; changed: boolean } {
  if (!isObject(grader)) return { grader, changed: false };
  if (grader.type === "text_similarity" && grader.evaluation_metric === "cosine" && grader.embedding_model === undefined)
    return { grader: { ...grader, embedding_model: PINNED_EMBEDDING_MODEL }, changed: true };
  if (grader.type === "multi" && isObject(grader.graders)) {
    let changed = false;
    const graders: Json = {};
    for (const [name, sub] of Object.entries(grader.graders)) {
      const pinned = pinCosine(sub);
      graders[name] = pinned.grader;
      changed ||= pinned.changed;
    }
    return changed ? { grader: { ...grader, graders }, changed } : { grader, changed: false };
  }
  return { grader, changed: false };
}

interface Tables {
  grader_sets: { id: string; graders_json: string };
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const d = db as unknown as Kysely<Tables>;
  const rows = await d.selectFrom("grader_sets").select(["id", "graders_json"]).where("graders_json", "like", "%cosine%").execute();
  for (const row of rows) {
    const graders = JSON.parse(row.graders_json) as unknown[];
    const pinned = graders.map(pinCosine);
    if (!pinned.some((p) => p.changed)) continue;
    await d
      .updateTable("grader_sets")
      .set({ graders_json: JSON.stringify(pinned.map((p) => p.grader)) })
      .where("id", "=", row.id)
      .execute();
  }
}

export async function down(): Promise<void> {
  // the pinned model is what those sets were scored with: nothing to undo
}
