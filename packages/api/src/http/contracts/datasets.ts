import { z } from "@hono/zod-openapi";
import { Dataset, DatasetVersion, ImportedVersion, InvalidImport, TestSplitSet, VersionDiff } from "@tunelab/core";
import { EvalItem } from "@tunelab/evals";
import { named } from "./named.ts";

/** Response bodies of the dataset, version and test-split routes: core's Dataset and DatasetVersion. */
export const Version = named(DatasetVersion, "DatasetVersion");
export const VersionList = z.object({ data: z.array(Version) }).openapi("DatasetVersionList");
export const DatasetList = z
  .object({ data: z.array(named(Dataset, "DatasetWithVersions", { versions: z.array(Version) })) })
  .openapi("DatasetList");

const Report = DatasetVersion.shape.report;
/** The file's validation report when it has errors (nothing was written): `{error: {details: report}}`. */
export const Invalid = z.object({ error: z.object({ code: z.string(), message: z.string(), details: Report }) }).openapi("InvalidFile");

const Stored = named(ImportedVersion, "ImportedVersion", { version: Version });
export const Imported = Stored;

export const SplitSet = named(TestSplitSet, "TestSplitSet", {
  test: Version,
  /** With `fraction`: the rest of the file, imported as a training version. */
  train: z.union([Stored, InvalidImport]).optional(),
});

export const Diff = named(VersionDiff, "VersionDiff");

/**
 * A test item as graders see it (`{{item.*}}`): evals' EvalItem, loose as it is (it keeps every other key of its JSONL
 * line), which `named()`'s plain object would not be.
 */
export const Item = z.looseObject(EvalItem.shape).openapi("TestItem");

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
