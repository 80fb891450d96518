/**
 * Which files of a Hub repository a model needs, chosen from its tree listing: the configs, the
 * tokenizer, and safetensors weights (one `model.safetensors`, else `model.safetensors.index.json`
 * and the shards its `weight_map` names). PyTorch pickles, ONNX, GGUF, TF/Flax weights, READMEs and
 * images are never downloaded.
 */
import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import type { Checksum } from "./checksum.ts";

/** Files without which the engine cannot load the model: refused before any weight is downloaded. */
export const REQUIRED_FILES = ["config.json", "tokenizer.json", "tokenizer_config.json"] as const;
/** Files taken when the repository has them. */
export const OPTIONAL_FILES = [
  "generation_config.json",
  "special_tokens_map.json",
  "chat_template.jinja",
  "chat_template.json",
  // an image-text checkpoint's image processor (Gemma 3 4B–27B), which its merged export carries on
  "preprocessor_config.json",
  "processor_config.json",
] as const;
export const SINGLE_WEIGHTS = "model.safetensors";
export const WEIGHTS_INDEX = "model.safetensors.index.json";

/** One entry of `GET /api/models/{repo}/tree/{revision}` (the fields read here). */
export const TreeEntry = z.object({
  type: z.string(),
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  oid: z.string().optional(),
  lfs: z.object({ oid: z.string(), size: z.number().int().nonnegative() }).optional(),
});
export type TreeEntry = z.infer<typeof TreeEntry>;

/** A file to have in the snapshot: its repo path, size, blob name and what its content must hash to. */
export interface RemoteFile {
  path: string;
  size: number;
  /** The blob's name in `blobs/` (the Hub's normalised etag). */
  etag: string;
  checksum: Checksum;
}

const SHA256 = /^[0-9a-f]{64}$/;
const GIT_SHA1 = /^[0-9a-f]{40}$/;

/** The blob name and checksum of one listed file, exactly as huggingface_hub would name the blob. */
export function remoteFile(entry: TreeEntry, where: string): RemoteFile {
  if (entry.lfs) {
    if (!SHA256.test(entry.lfs.oid)) throw invalidListing(where, entry.path, `lfs.oid "${entry.lfs.oid}" is not a sha256`);
    return { path: entry.path, size: entry.lfs.size, etag: entry.lfs.oid, checksum: { kind: "sha256", hex: entry.lfs.oid } };
  }
  if (entry.oid === undefined || !GIT_SHA1.test(entry.oid))
    throw invalidListing(where, entry.path, `oid "${entry.oid ?? ""}" is not a git blob id`);
  return { path: entry.path, size: entry.size, etag: entry.oid, checksum: { kind: "git-sha1", hex: entry.oid } };
}

export interface ModelFilePlan {
  /** Configs and tokenizer files present in the repository, then the single weights file or the index. */
  files: RemoteFile[];
  /** The weights index, when the checkpoint is sharded (its shards come from `shardFiles`). */
  index: RemoteFile | undefined;
  /** Optional files the repository does not have (recorded in `.no_exist/`). */
  absent: string[];
}

/** Chooses the files from a root tree listing; refuses a repository the engine could not load. */
export function planModelFiles(entries: readonly TreeEntry[], where: string): ModelFilePlan {
  const byPath = new Map(entries.filter((entry) => entry.type === "file").map((entry) => [entry.path, entry]));
  const missing = REQUIRED_FILES.filter((path) => !byPath.has(path));
  if (missing.length > 0) {
    throw new TunelabError(
      "validation_failed",
      `${where} has no ${missing.join(", ")}: tunelab needs ${REQUIRED_FILES.join(", ")} and safetensors weights`,
      {
        details: { missing },
      },
    );
  }
  const pick = (path: string): RemoteFile | undefined => {
    const entry = byPath.get(path);
    return entry ? remoteFile(entry, where) : undefined;
  };
  const files = [...REQUIRED_FILES, ...OPTIONAL_FILES].flatMap((path) => pick(path) ?? []);
  const absent = OPTIONAL_FILES.filter((path) => !byPath.has(path));
  const single = pick(SINGLE_WEIGHTS);
  if (single) return { files: [...files, single], index: undefined, absent };
  const index = pick(WEIGHTS_INDEX);
  if (index) return { files: [...files, index], index, absent };
  const others = [...byPath.keys()].filter((path) => /\.(bin|pth|pt|gguf|h5|msgpack|onnx|ckpt)$/.test(path));
  throw new TunelabError(
    "validation_failed",
    `${where} has no ${SINGLE_WEIGHTS} and no ${WEIGHTS_INDEX}` +
      (others.length > 0 ? ` (it has ${others.slice(0, 5).join(", ")}${others.length > 5 ? ", …" : ""})` : "") +
      ": tunelab loads safetensors weights only",
    { details: { found: others } },
  );
}

const WeightsIndex = z.object({
  metadata: z.record(z.string(), z.unknown()).nullish(),
  weight_map: z.record(z.string(), z.string()),
});

/** The shards `model.safetensors.index.json` names, each matched to its entry in the listing. */
export function shardFiles(indexText: string, entries: readonly TreeEntry[], where: string): RemoteFile[] {
  const fail = (why: string): never => {
    throw new TunelabError("validation_failed", `${WEIGHTS_INDEX} of ${where}: ${why}`, { details: { file: WEIGHTS_INDEX } });
  };
  let json: unknown;
  try {
    json = JSON.parse(indexText);
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`);
  }
  const parsed = WeightsIndex.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(`field ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  const names = [...new Set(Object.values(parsed.data.weight_map))].sort();
  if (names.length === 0) return fail("field weight_map is empty");
  const byPath = new Map(entries.filter((entry) => entry.type === "file").map((entry) => [entry.path, entry]));
  return names.map((name) => {
    if (name.includes("/") || name.includes("\\") || !name.endsWith(".safetensors")) {
      return fail(`field weight_map names "${name}", which is not a .safetensors file beside the index`);
    }
    const entry = byPath.get(name);
    return entry ? remoteFile(entry, where) : fail(`field weight_map names shard "${name}", which is not in the repository`);
  });
}

function invalidListing(where: string, path: string, why: string): TunelabError {
  return new TunelabError("io_error", `the Hub's file listing of ${where} is not usable for ${path}: ${why}`, { details: { file: path } });
}
