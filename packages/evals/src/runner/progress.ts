import type { Usage } from "./usage.ts";

/** Emitted after every finished item, or every stored batch of them (and once at the start). `total` excludes skipped items. */
export interface RunProgress {
  done: number;
  total: number;
  skipped: number;
  passed: number;
  failed: number;
  errored: number;
  cacheHits: number;
  /** Retries so far (attempts after the first, over all items). */
  retries: number;
  /** Provider usage so far (cache hits excluded). */
  usage: Usage & { invocation_count: number };
}
