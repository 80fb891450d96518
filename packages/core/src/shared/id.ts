import { randomBytes } from "node:crypto";
import { z } from "zod";

let lastTime = 0;
let sequence = 0;

/**
 * Random ids with a readable prefix (`proj_…`, `dsv_…`) that sort in creation order within a process: the time in
 * milliseconds, then a sequence number that counts ids made in the same millisecond (so rows created in one
 * millisecond, ordered by `created_at` then `id`, keep the order they were made in), then 4 random bytes. A clock
 * that steps back keeps the last time seen, so the order holds then too.
 */
export function newId<P extends string>(prefix: P): `${P}_${string}` {
  const now = Date.now();
  if (now > lastTime) {
    lastTime = now;
    sequence = 0;
  } else if (++sequence > 0xffff) {
    lastTime += 1;
    sequence = 0;
  }
  const time = lastTime.toString(36).padStart(9, "0");
  return `${prefix}_${time}${sequence.toString(16).padStart(4, "0")}${randomBytes(4).toString("hex")}`;
}
export const ProjectId = z.string().startsWith("proj_").brand<"ProjectId">();
export type ProjectId = z.infer<typeof ProjectId>;
export const DatasetId = z.string().startsWith("ds_").brand<"DatasetId">();
export type DatasetId = z.infer<typeof DatasetId>;
export const DatasetVersionId = z.string().startsWith("dsv_").brand<"DatasetVersionId">();
export type DatasetVersionId = z.infer<typeof DatasetVersionId>;
