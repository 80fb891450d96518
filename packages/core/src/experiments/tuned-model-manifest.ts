import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import type { Workspace } from "../storage/workspace.ts";

/**
 * The manifest of a tuned model published to the blob store (shared-tuned-models.ts): the model's id, its base, and
 * each file of its directory with its hash and size.
 */
export const TunedModelManifest = z.object({
  kind: z.literal("tunelab.tuned-model"),
  version: z.literal(1),
  model: z.string().startsWith("ft:"),
  baseModel: z.string().min(1),
  files: z.array(
    z.object({
      /** Relative, `/`-separated, inside the model directory. */
      path: z
        .string()
        .min(1)
        .refine((p) => !p.startsWith("/") && p.split("/").every((part) => part !== "" && part !== "." && part !== ".."), {
          message: "a relative path inside the model directory",
        }),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      bytes: z.number().int().nonnegative(),
    }),
  ),
});
export type TunedModelManifest = z.infer<typeof TunedModelManifest>;

/** Reads and checks a manifest blob; one that is not a tuned model's manifest is `invalid_argument`. */
export async function readTunedModelManifest(ws: Workspace, hash: string): Promise<TunedModelManifest> {
  const text = (await ws.blobs.read(hash)).toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TunelabError("invalid_argument", `blob ${hash} is not a tuned model's manifest (not JSON)`);
  }
  const parsed = TunedModelManifest.safeParse(json);
  if (!parsed.success)
    throw new TunelabError("invalid_argument", `blob ${hash} is not a tuned model's manifest: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}
