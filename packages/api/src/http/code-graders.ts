import { type CodeGraderAction, TunelabError } from "@tunelab/core";
import { codeGraders, type GraderConfig } from "@tunelab/evals";
import type { Context } from "hono";
import { principalOf } from "./principal.ts";

/**
 * Graders that run code are an admin's to register or try (`tunelab users add NAME --role admin`), on top of
 * `--allow-code-graders`: an editor gets 403 `forbidden`. Running graders an admin registered is an editor's.
 */
export function assertAdminForCodeGraders(c: Context, configs: readonly GraderConfig[], action: CodeGraderAction): void {
  const principal = principalOf(c);
  if (principal.role === "admin") return;
  const found = codeGraders(configs);
  if (found.length === 0) return;
  const names = found.map((g) => `"${g.name}" (${g.type})`).join(", ");
  throw new TunelabError(
    "forbidden",
    `to ${action} graders that run code (${names}) needs the admin role; user "${principal.name}" has the ${principal.role} role`,
    { details: { graders: found, needed: "admin", role: principal.role } },
  );
}
