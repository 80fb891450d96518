/**
 * Conversations whose chat template writes earlier messages differently once an assistant message follows (Mistral
 * v0.3's puts the system message only into a final user message) train turn by turn: each reply after the prompt the
 * model sees when writing it (tokenizer/assistant-mask.ts assistantMasks), one sequence per reply. The job says so
 * once, with how many sequences the examples became.
 */
import type { TrainingNotice } from "../../trainer/types.ts";
import type { Encoded } from "./batches.ts";

/** `encoded` holds each training example's sequences. */
export function turnByTurnNotice(encoded: readonly (readonly Encoded[])[]): TrainingNotice | undefined {
  const split = encoded.filter((sequences) => sequences.some((e) => e.oneTurn));
  if (split.length === 0) return undefined;
  const sequences = split.reduce((sum, s) => sum + s.length, 0);
  return {
    level: "info",
    message: `${split.length} of ${encoded.length} training examples train turn by turn, each reply after the prompt the model sees when writing it (${sequences} sequence${sequences === 1 ? "" : "s"} from them): the chat template writes the messages before a reply differently once it follows (Mistral v0.3's puts the system message only into a final user message).`,
    data: { turn_by_turn_examples: split.length, turn_sequences: sequences },
  };
}
