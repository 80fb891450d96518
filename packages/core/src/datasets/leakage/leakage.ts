import { z } from "zod";
import { type DatasetExample, exampleInput, inputText } from "../example.ts";
import type { DatasetFormat } from "../format/format.ts";
import { nearDuplicates } from "./near-duplicates.ts";
import { wordSet } from "./normalize.ts";

export const LeakageReport = z.object({
  testSplit: z.string(),
  threshold: z.number(),
  /** Lines whose input is exactly a test item's input: excluded from the version. */
  exact: z.array(z.object({ line: z.number(), testItem: z.number() })),
  /** Lines whose input text is close to a test item's: kept, but reported. */
  near: z.array(z.object({ line: z.number(), testItem: z.number(), similarity: z.number() })),
});
export type LeakageReport = z.infer<typeof LeakageReport>;

export const NEAR_DUPLICATE_THRESHOLD = 0.8;

export interface TestItemInput {
  inputHash: string;
  value: Record<string, unknown>;
}

/** Compares training examples with the test split: exact input matches and near-duplicate inputs (1-based test item numbers). */
export function checkLeakage(
  examples: ReadonlyArray<DatasetExample>,
  format: DatasetFormat,
  testItems: ReadonlyArray<TestItemInput>,
  testFormat: DatasetFormat,
  testSplit: string,
  threshold = NEAR_DUPLICATE_THRESHOLD,
): LeakageReport {
  const testByInput = new Map<string, number>();
  testItems.forEach((item, i) => {
    if (!testByInput.has(item.inputHash)) testByInput.set(item.inputHash, i + 1);
  });
  const exact: LeakageReport["exact"] = [];
  const rest: DatasetExample[] = [];
  for (const example of examples) {
    const testItem = testByInput.get(example.inputHash);
    if (testItem !== undefined) exact.push({ line: example.line, testItem });
    else rest.push(example);
  }
  const queries = rest.map((e) => wordSet(inputText(exampleInput(e.value, format))));
  const references = testItems.map((t) => wordSet(inputText(exampleInput(t.value, testFormat))));
  const best = new Map<number, { line: number; testItem: number; similarity: number }>();
  for (const match of nearDuplicates(queries, references, threshold)) {
    const line = rest[match.query]?.line ?? 0;
    const current = best.get(line);
    if (!current || match.similarity > current.similarity) {
      best.set(line, { line, testItem: match.reference + 1, similarity: match.similarity });
    }
  }
  const near = [...best.values()].sort((a, b) => a.line - b.line);
  return { testSplit, threshold, exact, near };
}
