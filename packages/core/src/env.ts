import { TunelabError } from "@tunelab/base";
import { DEFAULT_LEASE_SECONDS, parseS3Url } from "@tunelab/storage";
import { z } from "zod";

const EndpointUrl = z
  .string()
  .url()
  .regex(/^https?:\/\//i, "an http(s) URL such as http://minio:9000");

/** The only place that reads process.env. */
const EnvSchema = z.object({
  TUNELAB_HOME: z.string().min(1).optional(),
  /** Printable ASCII without spaces: clients send it in an HTTP header. */
  TUNELAB_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]+$/, "use printable ASCII characters without spaces (clients send it in an HTTP header)")
    .optional(),
  TUNELAB_CONFIG: z.string().min(1).optional(),
  /** The workspace database: a `postgres://…` URL (a team's shared PostgreSQL); unset, SQLite in the tunelab home. */
  TUNELAB_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//i, "a PostgreSQL URL such as postgres://user:password@host:5432/tunelab")
    .optional(),
  /** Where blobs (uploaded files, dataset contents) live, e.g. a directory several machines share; default `<home>/blobs`. */
  TUNELAB_BLOB_DIR: z.string().min(1).optional(),
  /** Blobs in an S3-compatible bucket (`s3://bucket/prefix`) that several machines share; the blob directory is its local cache. */
  TUNELAB_BLOB_URL: z
    .string()
    .refine((url) => parseS3Url(url) !== undefined, "an S3 URL such as s3://bucket or s3://bucket/some/prefix")
    .optional(),
  /** The S3 endpoint (an S3-compatible server such as MinIO), as the AWS SDKs read them: the S3 one first. */
  AWS_ENDPOINT_URL_S3: EndpointUrl.optional(),
  AWS_ENDPOINT_URL: EndpointUrl.optional(),
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  /** Seconds a process's claim on a running job or experiment lasts without renewal (default 15). */
  TUNELAB_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(DEFAULT_LEASE_SECONDS),
  /**
   * Optimizer steps between the embedded engine's training checkpoints (default 100): what a crash or a takeover on
   * another machine retrains at most, against the time and disk each checkpoint costs.
   */
  TUNELAB_CHECKPOINT_STEPS: z.coerce.number().int().min(1).max(1_000_000).default(100),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  /** Hugging Face Hub access for `tunelab models add hf:…` (as huggingface_hub reads them). */
  HF_TOKEN: z.string().min(1).optional(),
  HF_ENDPOINT: z.string().url().optional(),
  HF_HOME: z.string().min(1).optional(),
  NO_COLOR: z.string().optional(),
  FORCE_COLOR: z.string().optional(),
  CI: z.string().optional(),
});
export type Env = z.infer<typeof EnvSchema>;

let cached: Env | undefined;

/**
 * The environment tunelab reads. A variable set to the empty string counts as unset (as NO_COLOR's convention has
 * it), so `TUNELAB_TOKEN=` means "no token"; a malformed value is one clear error naming the variable.
 */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  if (source === process.env && cached) return cached;
  const present: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const value = source[key];
    if (value !== undefined && value !== "") present[key] = value;
  }
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "environment");
    throw new TunelabError("invalid_argument", `environment variable ${name}: ${issue?.message ?? "invalid value"}`);
  }
  if (source === process.env) cached = parsed.data;
  return parsed.data;
}

/** A secret named by configuration (e.g. a provider's `apiKeyEnv`); never stored or printed. */
export function readSecret(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}
