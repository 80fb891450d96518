import { TunelabError } from "@tunelab/base";
import { newId } from "../shared/id.ts";
import { nowIso } from "../shared/time.ts";
import type { DB } from "../storage/database.ts";
import { NewUser, type User, UserRole } from "./user.schema.ts";
import type { UserRow } from "./user.table.ts";
import { hashToken, newUserToken, sameSecret, sessionHash } from "./user-token.ts";

function toUser(row: UserRow): User {
  return { name: row.name, role: UserRole.parse(row.role), createdAt: row.created_at, lastUsedAt: row.last_used_at };
}

export async function listUsers(db: DB): Promise<User[]> {
  const rows = await db.selectFrom("users").selectAll().orderBy("created_at").orderBy("name").execute();
  return rows.map(toUser);
}

export async function countUsers(db: DB): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Adds a user and returns the token, which is shown this once: only its hash is stored. */
export async function addUser(db: DB, input: { name: string; role: string }): Promise<{ user: User; token: string }> {
  const parsed = NewUser.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TunelabError("invalid_argument", `invalid user ${issue?.path.join(".") || "input"}: ${issue?.message}`);
  }
  const { name, role } = parsed.data;
  if (await db.selectFrom("users").select("id").where("name", "=", name).executeTakeFirst()) {
    throw new TunelabError("conflict", `user "${name}" already exists; remove it first with \`tunelab users remove ${name}\``);
  }
  const token = newUserToken();
  const row: UserRow = {
    id: newId("user"),
    name,
    role,
    token_hash: hashToken(token),
    session_hash: sessionHash(token),
    created_at: nowIso(),
    last_used_at: null,
  };
  await db.insertInto("users").values(row).execute();
  return { user: toUser(row), token };
}

export async function removeUser(db: DB, name: string): Promise<User> {
  const row = await db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
  if (!row) {
    const names = (await listUsers(db)).map((u) => u.name);
    throw new TunelabError("not_found", `user "${name}" does not exist${names.length ? ` (users: ${names.join(", ")})` : ""}`);
  }
  await db.deleteFrom("users").where("id", "=", row.id).execute();
  return toUser(row);
}

/**
 * The user a token (or, with `by: "session"`, a web session cookie value's hash) belongs to, recording its use.
 * The lookup is by hash; the found hash is compared again in constant time.
 */
export async function authenticateUser(db: DB, secret: { token: string } | { sessionHash: string }): Promise<User | undefined> {
  const [column, hash] =
    "token" in secret ? (["token_hash", hashToken(secret.token)] as const) : (["session_hash", secret.sessionHash] as const);
  const row = await db.selectFrom("users").selectAll().where(column, "=", hash).executeTakeFirst();
  if (!row || !sameSecret(row[column], hash)) return undefined;
  const now = nowIso();
  // at most one write a minute per user, so reading the API does not write on every request
  const stale = row.last_used_at === null || Date.parse(now) - Date.parse(row.last_used_at) >= 60_000;
  if (!stale) return toUser(row);
  await db.updateTable("users").set({ last_used_at: now }).where("id", "=", row.id).execute();
  return toUser({ ...row, last_used_at: now });
}
