import { type Kysely, sql } from "kysely";

// Frozen: add a new migration for any change.
// Repeated trials: an eval run samples each item `trials` times, so a sample is keyed by (run, item, trial), and an
// experiment records how it is to be evaluated. SQLite cannot change a primary key in place: the samples table is
// rebuilt (existing rows become trial 0).

/** The samples table, with or without the trial column. */
async function createSamples(db: Kysely<unknown>, name: string, withTrial: boolean): Promise<void> {
  let table = db.schema
    .createTable(name)
    .addColumn("run_id", "text", (c) => c.notNull().references("eval_runs.id").onDelete("cascade"))
    .addColumn("item_id", "text", (c) => c.notNull());
  if (withTrial) table = table.addColumn("trial", "integer", (c) => c.notNull().defaultTo(0));
  await table
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("output_text", "text")
    .addColumn("error", "text")
    .addColumn("grades_json", "text", (c) => c.notNull())
    .addColumn("tags_json", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("prompt_tokens", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("completion_tokens", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    // the builder's column type does not follow the conditional `trial` column
    .addPrimaryKeyConstraint(`${name}_pk`, (withTrial ? ["run_id", "item_id", "trial"] : ["run_id", "item_id"]) as never)
    .execute();
}

const COLUMNS = sql.raw(
  "run_id, item_id, position, status, output_text, error, grades_json, tags_json, prompt_tokens, completion_tokens, created_at",
);

/** Copies the samples into a rebuilt table and puts it in place of the old one. */
async function rebuildSamples(db: Kysely<unknown>, withTrial: boolean): Promise<void> {
  await createSamples(db, "eval_samples_next", withTrial);
  if (withTrial) await sql`insert into eval_samples_next (${COLUMNS}, trial) select ${COLUMNS}, 0 from eval_samples`.execute(db);
  else await sql`insert into eval_samples_next (${COLUMNS}) select ${COLUMNS} from eval_samples where trial = 0`.execute(db);
  await db.schema.dropTable("eval_samples").execute();
  await db.schema.alterTable("eval_samples_next").renameTo("eval_samples").execute();
  await db.schema.createIndex("eval_samples_status").on("eval_samples").columns(["run_id", "status", "position"]).execute();
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("eval_runs")
    .addColumn("trials", "integer", (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable("experiments")
    .addColumn("eval_json", "text", (c) => c.notNull().defaultTo('{"trials":1}'))
    .execute();
  await rebuildSamples(db, true);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await rebuildSamples(db, false);
  await db.schema.alterTable("experiments").dropColumn("eval_json").execute();
  await db.schema.alterTable("eval_runs").dropColumn("trials").execute();
}
