import { addUser, listUsers, removeUser, USER_ROLES } from "@tunelab/core";
import { type Command, Option } from "commander";
import { withWorkspace } from "../context.ts";
import { color, emit, type GlobalOptions, table } from "../output.ts";

/** `tunelab users add|list|remove`: who may use `tunelab serve`, with which role. Tokens are shown once, stored hashed. */
export function registerUsers(program: Command, globals: () => GlobalOptions): void {
  const users = program
    .command("users")
    .description("who may use `tunelab serve`: viewers read, editors run experiments and import data, admins also manage code graders");
  users
    .command("add")
    .description("add a user and print their token (shown once; only its hash is stored)")
    .argument("<name>", "e.g. ana")
    .addOption(new Option("--role <role>", "what the user may do").choices([...USER_ROLES]).makeOptionMandatory())
    .action(async (name: string, options: { role: string }) => {
      await withWorkspace(async (ws) => {
        const { user, token } = await addUser(ws.db, { name, role: options.role });
        emit(
          globals(),
          { ...user, token },
          () =>
            `${color.green(`✔ user ${color.bold(user.name)} added as ${user.role}`)}\n` +
            `token (shown this once; store it now):\n    ${token}\n` +
            `send it as \`Authorization: Bearer TOKEN\`, or sign in to the web app with it; revoke it with \`tunelab users remove ${user.name}\``,
        );
      });
    });
  users
    .command("list")
    .description("users, their roles, and when their token was last used (never the token)")
    .action(async () => {
      await withWorkspace(async (ws) => {
        const found = await listUsers(ws.db);
        emit(globals(), found, () =>
          found.length === 0
            ? "no users yet: `tunelab users add NAME --role viewer`"
            : table(
                ["user", "role", "created", "last used"],
                found.map((u) => [color.bold(u.name), u.role, u.createdAt.slice(0, 19), u.lastUsedAt?.slice(0, 19) ?? "never"]),
              ),
        );
      });
    });
  users
    .command("remove")
    .description("remove a user: their token stops working at once")
    .argument("<name>")
    .action(async (name: string) => {
      await withWorkspace(async (ws) => {
        const removed = await removeUser(ws.db, name);
        emit(globals(), removed, () => color.green(`✔ user ${color.bold(removed.name)} removed; their token no longer works`));
      });
    });
}
