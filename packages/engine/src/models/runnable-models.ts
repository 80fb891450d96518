import type { EngineStore } from "../storage/store.ts";
import { type LoadedModel, loadModel } from "../trainer/index.ts";
import { findBaseModel, findModel } from "./model.repository.ts";

/** Loaded models for inference, most recently used kept (weights are small but not free to load). */
export class RunnableModels {
  private readonly cache = new Map<string, Promise<LoadedModel>>();

  constructor(
    private readonly store: EngineStore,
    private readonly capacity = 4,
  ) {}

  /** The model for an id, or undefined when no such model exists. */
  async get(id: string): Promise<LoadedModel | undefined> {
    const cached = this.cache.get(id);
    if (cached) {
      this.cache.delete(id);
      this.cache.set(id, cached);
      return cached;
    }
    const spec = findBaseModel(id);
    const row = spec ? undefined : await findModel(this.store, id);
    if (!spec && !row) return undefined;
    const loading = spec ? loadModel({ spec }) : loadModel({ dir: row?.dir ?? "" });
    this.cache.set(id, loading);
    loading.catch(() => this.cache.delete(id));
    while (this.cache.size > this.capacity) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return loading;
  }

  forget(id: string): void {
    this.cache.delete(id);
  }
}
