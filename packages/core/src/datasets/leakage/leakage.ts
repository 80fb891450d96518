import type { DatasetFormat } from "@tunelab/formats";
import { type DatasetExample, exampleInput, inputText } from "@tunelab/formats";
import { z } from "zod";
import { NearDuplicateIndex } from "./near-duplicates.ts";
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

/** A training version that already holds items of a new test split (line = line of the version's export). */
export const TrainingLeakage = z.object({
  /** The training version, e.g. `train@1`. */
  version: z.string(),
  examples: z.number().int(),
  /** Lines whose input is exactly a test item's input. */
  exact: LeakageReport.shape.exact,
  /** Lines whose input text is close to a test item's. */
  near: LeakageReport.shape.near,
});
export type TrainingLeakage = z.infer<typeof TrainingLeakage>;

export const NEAR_DUPLICATE_THRESHOLD = 0.8;

export interface TestItemInput {
  inputHash: string;
  value: Record<string, unknown>;
}

type ExactLeak = LeakageReport["exact"][number];
type NearLeak = LeakageReport["near"][number];

/**
 * The test split's inputs, indexed once: a hash set for exact input matches and a prefix-filtered inverted index
 * over input words for near duplicates, so each training example costs the same whatever the file's size, and a
 * file streams past the index. Findings accumulate for `report`.
 */
export class LeakageIndex {
  private readonly testByInput = new Map<string, number>();
  private readonly near: NearDuplicateIndex;
  private readonly exactLeaks: ExactLeak[] = [];
  private readonly nearLeaks: NearLeak[] = [];

  constructor(
    testItems: ReadonlyArray<TestItemInput>,
    testFormat: DatasetFormat,
    readonly testSplit: string,
    readonly threshold = NEAR_DUPLICATE_THRESHOLD,
  ) {
    testItems.forEach((item, i) => {
      if (!this.testByInput.has(item.inputHash)) this.testByInput.set(item.inputHash, i + 1);
    });
    this.near = new NearDuplicateIndex(
      testItems.map((t) => wordSet(inputText(exampleInput(t.value, testFormat)))),
      threshold,
    );
  }

  /** Checks one training example: an exact leak (to exclude), a near duplicate (kept, reported) or neither. */
  check(example: Pick<DatasetExample, "line" | "inputHash" | "value">, format: DatasetFormat): "exact" | "near" | undefined {
    const testItem = this.testByInput.get(example.inputHash);
    if (testItem !== undefined) {
      this.exactLeaks.push({ line: example.line, testItem });
      return "exact";
    }
    let best: NearLeak | undefined;
    for (const match of this.near.matches(wordSet(inputText(exampleInput(example.value, format))))) {
      if (!best || match.similarity > best.similarity) {
        best = { line: example.line, testItem: match.reference + 1, similarity: match.similarity };
      }
    }
    if (!best) return undefined;
    this.nearLeaks.push(best);
    return "near";
  }

  /** Every leak found so far, in the order the examples came. */
  report(): LeakageReport {
    return { testSplit: this.testSplit, threshold: this.threshold, exact: this.exactLeaks, near: this.nearLeaks };
  }

  /** The leaks found so far, forgotten here: the index checks the next file (or version) from a clean slate. */
  take(): LeakageReport {
    const report = { ...this.report(), exact: [...this.exactLeaks], near: [...this.nearLeaks] };
    this.exactLeaks.length = 0;
    this.nearLeaks.length = 0;
    return report;
  }
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
  const index = new LeakageIndex(testItems, testFormat, testSplit, threshold);
  for (const example of examples) index.check(example, format);
  return index.report();
}
