import { z } from "@hono/zod-openapi";
import { Dataset, DatasetVersion, type ImportResult, LeakageReport, type SplitResult, type VersionDiff } from "@tunelab/core";
import { type EvalItem, InputMessage, ToolCall } from "@tunelab/evals";
import { named } from "./named.ts";
import type { Check, Same } from "./same.ts";

/** Response bodies of the dataset, version and test-split routes: core's Dataset and DatasetVersion. */
export const Version = named(DatasetVersion, "DatasetVersion");
export const VersionList = z.object({ data: z.array(Version) }).openapi("DatasetVersionList");
export const DatasetList = z
  .object({ data: z.array(named(Dataset, "DatasetWithVersions", { versions: z.array(Version) })) })
  .openapi("DatasetList");

const Report = DatasetVersion.shape.report;
/** The file's validation report when it has errors (nothing was written): `{error: {details: report}}`. */
export const Invalid = z.object({ error: z.object({ code: z.string(), message: z.string(), details: Report }) }).openapi("InvalidFile");

const Stored = z
  .object({
    status: z.enum(["created", "unchanged"]),
    version: Version,
    report: Report,
    leakage: LeakageReport.optional(),
    projectCreated: z.boolean(),
  })
  .openapi("ImportedVersion");
type Stored = Exclude<ImportResult, { status: "invalid" }>;
export const Imported = Stored;
export type ImportedIsCore = Check<Same<z.infer<typeof Stored>, Stored>>;

export const SplitSet = z
  .object({
    status: z.enum(["created", "unchanged"]),
    test: Version,
    report: Report,
    /** With `fraction`: the rest of the file, imported as a training version. */
    train: z.union([Stored, z.object({ status: z.literal("invalid"), report: Report })]).optional(),
  })
  .openapi("TestSplitSet");
export type SplitSetIsCore = Check<Same<z.infer<typeof SplitSet>, Exclude<SplitResult, { status: "invalid" }>>>;

const DiffEntry = z.object({ line: z.number().int(), hash: z.string(), example: z.unknown() });
export const Diff = z
  .object({ from: z.string(), to: z.string(), added: z.array(DiffEntry), removed: z.array(DiffEntry), unchanged: z.number().int() })
  .openapi("VersionDiff");
export type DiffIsCore = Check<Same<z.infer<typeof Diff>, VersionDiff>>;

/** A test item as graders see it (`{{item.*}}`): the prompt before the last assistant message, the reference from it. */
export const Item = z
  .looseObject({
    id: z.string(),
    input: z.object({ messages: z.array(InputMessage), tools: z.array(z.unknown()).optional() }),
    reference: z.string().optional(),
    reference_json: z.unknown().optional(),
    reference_tools: z.array(ToolCall).optional(),
    tags: z.array(z.string()),
  })
  .openapi("TestItem");
export type ItemIsEvals = Check<Same<z.infer<typeof Item>, EvalItem>>;

const Page = {
  version: z.string().openapi({ example: "test@1" }),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
};
export const ItemPage = z.object({ ...Page, data: z.array(Item) }).openapi("TestItemPage");

/** One test-split line split at its last assistant message, as the eval runner splits it. */
export const Prompt = z
  .object({
    /** 0-based position in the test split. */
    position: z.number().int(),
    id: z.string(),
    /** The last user message before the last assistant message, as text. */
    prompt: z.string(),
    /** The last assistant message as text; null when the line has none. */
    reference: z.string().nullable(),
    tags: z.array(z.string()),
    /** The JSONL line as stored. */
    line: z.record(z.string(), z.unknown()),
  })
  .openapi("TestPrompt");
export const PromptPage = z.object({ ...Page, data: z.array(Prompt) }).openapi("TestPromptPage");
