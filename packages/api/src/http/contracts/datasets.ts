import { z } from "@hono/zod-openapi";
import {
  Dataset,
  DatasetVersion,
  ImportedVersion,
  InvalidImport,
  TestItemPage,
  TestPrompt,
  TestPromptPage,
  TestSplitSet,
  VersionDiff,
} from "@tunelab/core";
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

const version = { version: z.string().openapi({ example: "test@1" }) };
/** Pages of the test split (core's TestItemPage and TestPromptPage). */
export const ItemPage = named(TestItemPage, "TestItemPage", { ...version, data: z.array(Item) });
export const Prompt = named(TestPrompt, "TestPrompt");
export const PromptPage = named(TestPromptPage, "TestPromptPage", { ...version, data: z.array(Prompt) });
