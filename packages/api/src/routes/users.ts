import { createRoute, z } from "@hono/zod-openapi";
import { addUser, listUsers, removeUser, type Workspace } from "@tunelab/core";
import { AddedUser, NewUserBody, UserBody, UserList } from "../http/contracts/users.ts";
import { requireRole } from "../http/principal.ts";
import { router } from "../http/router.ts";
import { errors, json, Name } from "../http/schemas.ts";

const UserParams = z.object({ name: Name.openapi({ param: { name: "name", in: "path" } }) });

/**
 * Users and their roles, for admins (as `tunelab users add|list|remove`): every route needs the admin role, reading
 * the list included. A new user's token is in the response this once; only its hash is stored.
 */
export function userRoutes(ws: Workspace) {
  return router()
    .openapi(
      createRoute({ method: "get", path: "/users", responses: { 200: json(UserList, "Users and their roles (never tokens)"), ...errors } }),
      async (c) => {
        requireRole(c, "admin", "list users");
        return c.json({ data: await listUsers(ws.db) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/users",
        request: { body: { content: { "application/json": { schema: NewUserBody } }, required: true } },
        responses: { 201: json(AddedUser, "The new user and their token, shown this once"), ...errors, 409: errors[400] },
      }),
      async (c) => {
        requireRole(c, "admin", "add users");
        return c.json(await addUser(ws.db, c.req.valid("json")), 201);
      },
    )
    .openapi(
      createRoute({
        method: "delete",
        path: "/users/{name}",
        request: { params: UserParams },
        responses: { 200: json(UserBody, "The removed user: their token no longer works"), ...errors },
      }),
      async (c) => {
        requireRole(c, "admin", "remove users");
        return c.json(await removeUser(ws.db, c.req.valid("param").name), 200);
      },
    );
}
