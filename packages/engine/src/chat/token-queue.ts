/**
 * Text pieces of one streamed completion (with the logprobs of their tokens, when asked), in order, as an async
 * iterable that ends when the completion settles; `result` is the completion itself.
 */
import type { TokenLogprob } from "../trainer/inference/logprobs.ts";
import type { Completion } from "../trainer/types.ts";

export interface StreamedPiece {
  text: string;
  logprobs?: TokenLogprob[] | undefined;
  /** A reasoning model's reasoning, streamed as `delta.reasoning_content`. */
  reasoning?: boolean | undefined;
}

export class TokenQueue implements AsyncIterable<StreamedPiece> {
  private readonly pieces: StreamedPiece[] = [];
  private settled = false;
  private wake: (() => void) | undefined;
  private readonly firstEvent: Promise<void>;
  private markStarted!: () => void;

  constructor(readonly result: Promise<Completion>) {
    this.firstEvent = new Promise<void>((resolve) => {
      this.markStarted = resolve;
    });
    result.then(
      () => this.settle(),
      () => this.settle(),
    );
  }

  push(text: string, logprobs?: TokenLogprob[], reasoning?: boolean): void {
    this.pieces.push({ text, logprobs, reasoning });
    this.markStarted();
    this.wake?.();
  }

  private settle(): void {
    this.settled = true;
    this.markStarted();
    this.wake?.();
  }

  /** Resolves at the first piece or when the completion succeeded; rejects when it failed first. */
  async started(): Promise<void> {
    await this.firstEvent;
    if (this.pieces.length === 0) await this.result;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamedPiece> {
    for (;;) {
      const piece = this.pieces.shift();
      if (piece !== undefined) {
        yield piece;
        continue;
      }
      if (this.settled) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}
