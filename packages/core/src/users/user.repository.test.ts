import { isTunelabError } from "@tunelab/base";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { addUser, authenticateUser, countUsers, listUsers, removeUser } from "./user.repository.ts";
import { hashToken, sessionHash } from "./user-token.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(async () => ws.dispose());

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isTunelabError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a TunelabError");
}

describe("users", () => {
  it("issues a random prefixed token once and stores only its hashes", async () => {
    const { user, token } = await addUser(ws.db, { name: "ana", role: "editor" });
    const other = await addUser(ws.db, { name: "bo", role: "viewer" });
    expect(token).toMatch(/^tlu_[A-Za-z0-9_-]{43}$/);
    expect(other.token).not.toBe(token);
    expect(user).toEqual({ name: "ana", role: "editor", createdAt: expect.any(String), lastUsedAt: null });
    const rows = await ws.db.selectFrom("users").selectAll().execute();
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(row.name === "ana" ? token : other.token);
    expect(rows.find((r) => r.name === "ana")?.token_hash).toBe(hashToken(token));
    expect(await countUsers(ws.db)).toBe(2);
  });

  it("authenticates by token or session hash, records the use, and refuses unknown tokens", async () => {
    const { token } = await addUser(ws.db, { name: "ana", role: "admin" });
    expect(await authenticateUser(ws.db, { token: `${token}x` })).toBeUndefined();
    expect(await authenticateUser(ws.db, { token: "tlu_unknown" })).toBeUndefined();
    expect((await listUsers(ws.db))[0]?.lastUsedAt).toBeNull();
    const found = await authenticateUser(ws.db, { token });
    expect(found).toMatchObject({ name: "ana", role: "admin" });
    expect((await listUsers(ws.db))[0]?.lastUsedAt).toEqual(expect.any(String));
    expect(await authenticateUser(ws.db, { sessionHash: sessionHash(token) })).toMatchObject({ name: "ana" });
    expect(await authenticateUser(ws.db, { sessionHash: hashToken(token) })).toBeUndefined();
  });

  it("refuses bad names and roles, duplicates, and removing an unknown user; removing revokes the token", async () => {
    expect((await errorOf(addUser(ws.db, { name: "-bad", role: "viewer" }))).code).toBe("invalid_argument");
    expect((await errorOf(addUser(ws.db, { name: "ana", role: "owner" }))).message).toMatch(/role/);
    const { token } = await addUser(ws.db, { name: "ana", role: "viewer" });
    expect((await errorOf(addUser(ws.db, { name: "ana", role: "admin" }))).code).toBe("conflict");
    expect((await errorOf(removeUser(ws.db, "zed"))).message).toMatch(/users: ana/);
    expect(await removeUser(ws.db, "ana")).toMatchObject({ name: "ana" });
    expect(await authenticateUser(ws.db, { token })).toBeUndefined();
    expect(await countUsers(ws.db)).toBe(0);
  });
});
