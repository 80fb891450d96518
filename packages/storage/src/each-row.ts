import type { Compilable, Kysely } from "kysely";
import { withSqlite } from "./database.ts";

/**
 * Visits the rows of a query one at a time, in the query's order. On a SQLite database opened by `openDatabase` they
 * come from better-sqlite3's iterator, so a large result is never held in memory at once: a row the visitor does not
 * keep can be collected at once (reading every sample of a large run this way keeps only what the caller keeps of
 * them). Elsewhere (PostgreSQL, a transaction, a database with plugins) they come from one `execute`.
 */
export async function eachRow<Schema, Row>(db: Kysely<Schema>, query: Compilable<Row>, visit: (row: Row) => void): Promise<void> {
  const compiled = query.compile();
  const iterated = await withSqlite(db, (sqlite) => {
    for (const row of sqlite.prepare(compiled.sql).iterate(...compiled.parameters)) visit(row as Row);
    return true;
  });
  if (iterated) return;
  const { rows } = await db.executeQuery(compiled);
  for (const row of rows) visit(row);
}
