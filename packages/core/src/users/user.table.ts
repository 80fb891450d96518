import type { Selectable } from "kysely";

export interface UserTable {
  id: string;
  name: string;
  /** `viewer`, `editor` or `admin`. */
  role: string;
  /** sha256 of the token (base64url); the token itself is shown once and never stored. */
  token_hash: string;
  /** sha256 of the web session cookie value derived from the token (see `sessionHash`). */
  session_hash: string;
  created_at: string;
  last_used_at: string | null;
}
export type UserRow = Selectable<UserTable>;
