import { createHash } from "node:crypto";

/**
 * Deterministic test-split membership: a hash of (seed, example input) mapped to [0, 1).
 * It depends only on the example's own input, so an example keeps its side when the file grows,
 * and examples with the same input always land on the same side.
 */
export function isTestExample(inputHash: string, fraction: number, seed: number): boolean {
  const digest = createHash("sha256").update(`${seed}:${inputHash}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < fraction;
}
