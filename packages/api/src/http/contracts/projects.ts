import { z } from "@hono/zod-openapi";
import { Dataset, Project } from "@tunelab/core";
import { named } from "./named.ts";

/** Response bodies of `/projects`: core's Project, with its datasets counted or listed. */
export const ProjectBody = named(Project, "Project");
export const ProjectList = z
  .object({ data: z.array(named(Project, "ProjectSummary", { datasets: z.number().int() })) })
  .openapi("ProjectList");
export const ProjectDetail = named(Project, "ProjectDetail", { datasets: z.array(named(Dataset, "Dataset")) });
