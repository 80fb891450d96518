import type { DatasetFormat } from "@tunelab/formats";
import { type DatasetExample, exampleInput, inputText } from "@tunelab/formats";
import { z } from "zod";
import { type ImageHashes, leakageInput } from "./image-keys.ts";
import { NearDuplicateIndex } from "./near-duplicates.ts";
import { wordSet } from "./normalize.ts";

export const LeakageReport = z.object({
  testSplit: z.string(),
  threshold: z.number(),
  /** Lines whose input is exactly a test item's input: excluded from the version. */
  exact: z.array(z.object({ line: z.number(), testItem: z.number() })),
  /** Lines whose input text is close to a test item's (with the same images): kept, but reported. */
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
 * The test split's inputs, indexed once: a hash set for exact input matches and, per set of images, a
 * prefix-filtered inverted index over input words for near duplicates, so each training example costs the same
 * whatever the file's size, and a file streams past the index. Images are compared by content (`imageKey`): an input
 * is exactly a test item's when its text and images are, and a near duplicate only of the items with its images, so
 * "Which digit is this?" over another picture is neither. Findings accumulate for `report`.
 */
export class LeakageIndex {
  /** Test items by stored input hash (as the leaderboard compares them) and by input with images by content. */
  private readonly testByInput = new Map<string, number>();
  /** Per set of images (keys, one a line; "" for text only): the near-duplicate index and its test items' numbers. */
  private readonly near = new Map<string, { index: NearDuplicateIndex; items: number[] }>();
  private readonly exactLeaks: ExactLeak[] = [];
  private readonly nearLeaks: NearLeak[] = [];

  constructor(
    testItems: ReadonlyArray<TestItemInput>,
    testFormat: DatasetFormat,
    readonly testSplit: string,
    readonly threshold = NEAR_DUPLICATE_THRESHOLD,
    /** Content hashes of the test split's http(s) images (stored at import), by URL. */
    private readonly testImages: ImageHashes = new Map(),
  ) {
    const groups = new Map<string, { words: Array<Set<string>>; items: number[] }>();
    testItems.forEach((item, i) => {
      const input = exampleInput(item.value, testFormat);
      const keyed = leakageInput(input, item.inputHash, (url) => testImages.get(url));
      for (const hash of [item.inputHash, keyed.hash]) if (!this.testByInput.has(hash)) this.testByInput.set(hash, i + 1);
      const group = groups.get(keyed.images) ?? { words: [], items: [] };
      group.words.push(wordSet(inputText(input)));
      group.items.push(i + 1);
      groups.set(keyed.images, group);
    });
    for (const [images, { words, items }] of groups) this.near.set(images, { index: new NearDuplicateIndex(words, threshold), items });
  }

  /**
   * Checks one training example: an exact leak (to exclude), a near duplicate (kept, reported) or neither. `images`:
   * content hashes of its http(s) images where fetched (else the test split's for the same URL, else its URL).
   */
  check(
    example: Pick<DatasetExample, "line" | "inputHash" | "value">,
    format: DatasetFormat,
    images: ImageHashes = new Map(),
  ): "exact" | "near" | undefined {
    const input = exampleInput(example.value, format);
    const keyed = leakageInput(input, example.inputHash, (url) => images.get(url) ?? this.testImages.get(url));
    const testItem = this.testByInput.get(example.inputHash) ?? this.testByInput.get(keyed.hash);
    if (testItem !== undefined) {
      this.exactLeaks.push({ line: example.line, testItem });
      return "exact";
    }
    const near = this.near.get(keyed.images);
    if (!near) return undefined;
    let best: NearLeak | undefined;
    for (const match of near.index.matches(wordSet(inputText(input)))) {
      if (!best || match.similarity > best.similarity) {
        best = { line: example.line, testItem: near.items[match.reference] as number, similarity: match.similarity };
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
  testImages?: ImageHashes,
): LeakageReport {
  const index = new LeakageIndex(testItems, testFormat, testSplit, threshold, testImages);
  for (const example of examples) index.check(example, format);
  return index.report();
}
