import { z } from "@hono/zod-openapi";
import { NewUser, User } from "@tunelab/core";
import { named } from "./named.ts";

/** Response and request bodies of `/users`: core's User (never a token or its hash) and NewUser. */
export const UserBody = named(User, "User");
export const UserList = z.object({ data: z.array(UserBody) }).openapi("UserList");
export const NewUserBody = named(NewUser, "NewUser");
export const AddedUser = z
  .object({
    user: UserBody,
    /** The user's token, shown this once (only its hash is stored). */
    token: z.string().openapi({ example: "tlu_…" }),
  })
  .openapi("AddedUser");
