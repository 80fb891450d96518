import { type DatasetStats, datasetStats, type PerExampleCounts } from "./dataset-stats.ts";
import type { Encoding } from "./tokenizer.ts";

/** A growable column of numbers (a Float64Array that doubles): 8 bytes an example, no object per example. */
class Column {
  private data = new Float64Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** Per-example counts gathered as a file streams by, for the same statistics as `datasetStats`. */
export class StatsCollector {
  private readonly messages = new Column();
  private readonly tokens = new Column();
  private readonly assistantTokens = new Column();
  private images = 0;

  add(counts: PerExampleCounts): void {
    this.messages.push(counts.messages);
    this.tokens.push(counts.tokens);
    this.assistantTokens.push(counts.assistantTokens);
    this.images += counts.images;
  }

  get count(): number {
    return this.tokens.length;
  }

  stats(encoding: Encoding, contextLimit: number): DatasetStats {
    return datasetStats(
      {
        messages: this.messages.values(),
        tokens: this.tokens.values(),
        assistantTokens: this.assistantTokens.values(),
        images: this.images,
      },
      encoding,
      contextLimit,
    );
  }
}
