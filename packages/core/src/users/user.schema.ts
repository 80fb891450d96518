import { z } from "zod";
import { ResourceName } from "../projects/project.schema.ts";

/** What a user may do: viewers read, editors also run and import, admins also manage code graders and users. */
export const USER_ROLES = ["viewer", "editor", "admin"] as const;
export const UserRole = z.enum(USER_ROLES);
export type UserRole = z.infer<typeof UserRole>;

/** Whether `role` grants at least what `needed` grants. */
export function roleAtLeast(role: UserRole, needed: UserRole): boolean {
  return USER_ROLES.indexOf(role) >= USER_ROLES.indexOf(needed);
}

export const UserName = ResourceName;

export const User = z.object({
  name: UserName,
  role: UserRole,
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
export type User = z.infer<typeof User>;

export const NewUser = z.object({ name: UserName, role: UserRole });
export type NewUser = z.infer<typeof NewUser>;
