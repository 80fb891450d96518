/**
 * A model on the Hugging Face Hub as the user names it: `hf:ORG/NAME[@REVISION]`. The repository id
 * follows the Hub's own rules (huggingface_hub's `validate_repo_id`); the revision is a branch, a tag
 * or a 40-hex commit hash, `main` when omitted.
 */
import { TunelabError } from "@tunelab/base";
import { z } from "zod";

export const HUB_REF_PREFIX = "hf:";
export const DEFAULT_REVISION = "main";
const EXAMPLE = "hf:HuggingFaceTB/SmolLM2-135M-Instruct";

/** One part of a repo id: letters, digits, `_ . -`, starting and ending with a letter, digit or `_`. */
const REPO_PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
/** Characters git forbids in ref names, plus whitespace; control characters are checked apart. */
const FORBIDDEN_IN_REVISION = /[\s~^:?*[\\]/;
const hasControlCharacter = (text: string): boolean => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

function repoProblem(repo: string): string | undefined {
  const parts = repo.split("/");
  if (parts.length !== 2) return "the repository must be ORG/NAME (exactly one '/')";
  const [org, name] = parts as [string, string];
  if (org === "" || name === "") return "the organisation and the name must both be present";
  if (!REPO_PART.test(org))
    return `organisation "${org}" may only contain letters, digits, '_', '.', '-' and must start and end with a letter or digit`;
  if (!REPO_PART.test(name))
    return `name "${name}" may only contain letters, digits, '_', '.', '-' and must start and end with a letter or digit`;
  if (name.length > 96) return `name "${name}" is longer than the Hub's 96 characters`;
  if (repo.includes("--") || repo.includes("..")) return "'--' and '..' are not allowed in a repository id";
  if (name.endsWith(".git")) return "a repository id cannot end with '.git'";
  return undefined;
}

function revisionProblem(revision: string): string | undefined {
  if (revision === "") return "the revision after '@' is empty";
  if (FORBIDDEN_IN_REVISION.test(revision) || hasControlCharacter(revision))
    return `revision "${revision}" contains a character not allowed in a git ref`;
  if (revision.startsWith("/") || revision.endsWith("/") || revision.includes("//"))
    return `revision "${revision}" has an empty path segment`;
  if (revision.split("/").some((part) => part === "." || part === "..")) return `revision "${revision}" contains a '.' or '..' segment`;
  return undefined;
}

export const HubRef = z
  .object({
    /** `ORG/NAME`, as on the Hub. */
    repo: z.string(),
    /** Branch, tag or commit hash; `main` by default. */
    revision: z.string().default(DEFAULT_REVISION),
  })
  .superRefine((ref, ctx) => {
    const repo = repoProblem(ref.repo);
    if (repo) ctx.addIssue({ code: "custom", path: ["repo"], message: repo });
    const revision = revisionProblem(ref.revision);
    if (revision) ctx.addIssue({ code: "custom", path: ["revision"], message: revision });
  });
export type HubRef = z.infer<typeof HubRef>;

/** A 40-hex git commit hash: such a revision never moves, so a cached snapshot of it is final. */
export const isCommitHash = (revision: string): boolean => /^[0-9a-f]{40}$/.test(revision);

/** `hf:ORG/NAME[@REVISION]` → `{repo, revision}`; a clear `invalid_argument` error otherwise. */
export function parseHubRef(text: string): HubRef {
  const fail = (why: string): never => {
    throw new TunelabError("invalid_argument", `Hub model reference "${text}": ${why}; expected hf:ORG/NAME[@REVISION], e.g. ${EXAMPLE}`, {
      details: { ref: text },
    });
  };
  const trimmed = text.trim();
  if (!trimmed.startsWith(HUB_REF_PREFIX)) return fail(`it does not start with "${HUB_REF_PREFIX}"`);
  const body = trimmed.slice(HUB_REF_PREFIX.length);
  const at = body.indexOf("@");
  const repo = at === -1 ? body : body.slice(0, at);
  const revision = at === -1 ? DEFAULT_REVISION : body.slice(at + 1);
  const parsed = HubRef.safeParse({ repo, revision });
  if (!parsed.success) return fail(parsed.error.issues.map((issue) => issue.message).join("; "));
  return parsed.data;
}

/** The reference back in its written form (`hf:ORG/NAME@REVISION`). */
export const formatHubRef = (ref: HubRef): string => `${HUB_REF_PREFIX}${ref.repo}@${ref.revision}`;
