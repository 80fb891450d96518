import { z } from "zod";
import { ProjectId } from "../shared/id.ts";

/** Project and dataset names: what a user types on the command line and in URLs. */
export const ResourceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");

export const Project = z.object({
  id: ProjectId,
  name: ResourceName,
  description: z.string(),
  createdAt: z.string(),
});
export type Project = z.infer<typeof Project>;
