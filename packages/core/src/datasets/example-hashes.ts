const HASH_BYTES = 32;
const ROW_BYTES = 2 * HASH_BYTES;

/**
 * A version's example index (each example's sha256 and its input's sha256, in order) as 64 bytes an example rather
 * than two hex strings, so a million examples take 64 MB. Reads like the array the repository inserts from.
 */
export class ExampleHashes {
  private data = new Uint8Array(ROW_BYTES * 1024);
  length = 0;

  push(hash: string, inputHash: string): void {
    if ((this.length + 1) * ROW_BYTES > this.data.length) {
      const grown = new Uint8Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const at = this.length * ROW_BYTES;
    Buffer.from(this.data.buffer, at, ROW_BYTES).write(hash, 0, HASH_BYTES, "hex");
    Buffer.from(this.data.buffer, at + HASH_BYTES, HASH_BYTES).write(inputHash, 0, HASH_BYTES, "hex");
    this.length++;
  }

  slice(start: number, end: number): Array<{ hash: string; inputHash: string }> {
    const rows: Array<{ hash: string; inputHash: string }> = [];
    const buffer = Buffer.from(this.data.buffer);
    for (let i = start; i < Math.min(end, this.length); i++) {
      const at = i * ROW_BYTES;
      rows.push({
        hash: buffer.toString("hex", at, at + HASH_BYTES),
        inputHash: buffer.toString("hex", at + HASH_BYTES, at + ROW_BYTES),
      });
    }
    return rows;
  }
}
