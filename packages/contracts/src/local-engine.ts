import type { BaseModelInfo, OpenWeightCatalog } from "./base-model.ts";

/** An answer of the embedded engine apart from HTTP: its status and JSON body. */
export interface LocalAnswer {
  status: number;
  body: unknown;
}

/**
 * The embedded engine as core's runtime uses it (the apps wire it in; core never imports the engine): its OpenAI REST
 * surface in-process, and what it knows about its models.
 */
export interface LocalEngine {
  /** Answers an OpenAI REST request (`/v1/...`) in-process, with no port. */
  fetch(request: Request): Promise<Response>;
  /**
   * A non-streaming chat completion answered in-process without HTTP (no Request or Response built): what POST
   * /v1/chat/completions would answer, as its status and JSON body (`chat.completion`, or OpenAI's `{error}`).
   */
  chatCompletion(body: object): Promise<LocalAnswer>;
  /** Registered bases, what tuned models were trained from, what they export as. */
  catalog: OpenWeightCatalog;
  /** Every base model it trains: built-in sizes, then registered open-weight checkpoints. */
  baseModels(): Promise<BaseModelInfo[]>;
  /** The directory of a tuned model's weights, when the engine has it. */
  tunedModelDir(id: string): Promise<string | undefined>;
  /**
   * Adds a tuned model another machine's engine trained: its files, in `dir` (moved into the engine, or removed when
   * the engine has the model already), served under the same id.
   */
  adoptTunedModel(model: { id: string; baseModel: string; dir: string }): Promise<void>;
  /**
   * Sets where the engine looks for a tuned model it does not have (chat completions, model lookups, exports): true
   * when the source adopted it. Undefined removes the source.
   */
  onMissingTunedModel(source: ((id: string) => Promise<boolean>) | undefined): void;
  /**
   * Sets what else deleting a tuned model (`DELETE /v1/models/ID`) does, once the engine deleted its own copy (told
   * whether it had one): e.g. withdraw it from the team's blob store, where other engines fetch it. True when it
   * removed the model there (the engine then answers deleted even when it had no copy of its own). Undefined removes it.
   */
  onDeleteTunedModel(withdraw: ((id: string, deletedHere: boolean) => Promise<boolean>) | undefined): void;
  /**
   * Sets how the engine learns that tuned models it has were deleted elsewhere (on another machine's engine): given
   * their ids, those that were, in one question for them all (the model listing asks it of every tuned model the engine
   * has). The engine then deletes its own copies, leaves them out of `GET /v1/models` and answers model_not_found for
   * them. Undefined removes it.
   */
  onWithdrawnTunedModel?(withdrawn: ((ids: readonly string[]) => Promise<readonly string[]>) | undefined): void;
  /**
   * Sets the listener told of each training checkpoint as the engine records it (its model id, `ft:…:ckpt-step-N`,
   * is then servable, and resumable by a job created with `resume_from`). Undefined removes it.
   */
  onCheckpoint(listener: ((checkpoint: { jobId: string; model: string; step: number }) => void) | undefined): void;
}
