import { TunelabError } from "@tunelab/base";
import { checkUnchanged } from "../hf/check-unchanged.ts";
import { isFullDir } from "../hf/full/full-dir.ts";
import { isLoraDir, readLoraBase, readLoraBaseWeights } from "../hf/lora/lora-dir.ts";
import type { EngineStore } from "../storage/store.ts";
import type { ChatExample, Completion, OnToken, SamplingParams } from "../trainer/types.ts";
import { findRegisteredBase } from "./base-model.repository.ts";
import { InferenceClient } from "./inference/client.ts";
import type { ModelSource } from "./inference/protocol.ts";
import type { TunedModels } from "./missing-models.ts";
import { findBaseModel } from "./model.repository.ts";

/**
 * Model ids → where their weights are (built-in sizes, tuned model directories, registered
 * open-weight bases), and inference on them in the engine's inference worker.
 */
export class RunnableModels {
  private readonly inference = new InferenceClient();

  constructor(
    private readonly store: EngineStore,
    private readonly tuned: TunedModels,
  ) {}

  /** Where a model's weights are, or undefined when no such model exists. */
  async resolve(id: string): Promise<ModelSource | undefined> {
    const spec = findBaseModel(id);
    if (spec) return { kind: "base", spec };
    const registered = await findRegisteredBase(this.store, id);
    if (registered) {
      await checkUnchanged(this.store, registered);
      return { kind: "hf", dir: registered.dir, fingerprint: registered.fingerprint };
    }
    const row = await this.tuned.find(id);
    if (!row) return undefined;
    if (isFullDir(row.dir)) return { kind: "hf", dir: row.dir, fingerprint: row.id };
    if (!isLoraDir(row.dir)) return { kind: "dir", dir: row.dir };
    const base = readLoraBase(row.dir);
    const registeredBase = await findRegisteredBase(this.store, base.name);
    if (registeredBase?.fingerprint !== base.fingerprint)
      throw new TunelabError(
        "not_found",
        `${id} adapts the base model ${base.name}, which is no longer registered with the same weights; register it again (tunelab models add)`,
      );
    await checkUnchanged(this.store, registeredBase);
    // the base as registered on this machine (the adapter may have been trained, and published, on another)
    // and held as it was while the adapter trained (8-bit blocks for base_quantization q8_0)
    const baseWeights = readLoraBaseWeights(row.dir);
    return { kind: "lora", dir: row.dir, baseDir: registeredBase.dir, ...(baseWeights ? { baseWeights } : {}) };
  }

  complete(
    source: ModelSource,
    messages: ChatExample["messages"],
    tools: unknown[] | undefined,
    sampling: SamplingParams,
    onToken?: OnToken,
  ): Promise<Completion> {
    return this.inference.complete(source, messages, tools, sampling, onToken);
  }

  /** Unit-length embeddings of each input (text or token ids); open-weight models only. */
  embed(source: ModelSource, inputs: (string | number[])[]): Promise<{ vectors: Float32Array[]; promptTokens: number }> {
    return this.inference.embed(source, inputs);
  }

  close(): Promise<void> {
    return this.inference.close();
  }
}
