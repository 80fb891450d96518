/**
 * Examples whose chat template writes earlier messages differently once an assistant message follows (Mistral v0.3's
 * puts the system message only into a final user message) train on their last assistant message after the prompt the
 * model sees at inference (tokenizer/assistant-mask.ts lastTurnMask): the job says so once, and how many earlier
 * assistant messages therefore carry no loss.
 */
import type { ChatExample, TrainingNotice } from "../../trainer/types.ts";
import type { Encoded } from "./batches.ts";

export function lastTurnNotice(
  encoded: readonly Encoded[],
  examples: readonly Pick<ChatExample, "messages">[],
): TrainingNotice | undefined {
  let count = 0;
  let earlier = 0;
  encoded.forEach((e, i) => {
    if (!e.lastTurnOnly) return;
    count++;
    const assistants = (examples[i]?.messages ?? []).filter((m) => m.role === "assistant" && m.weight !== 0).length;
    earlier += Math.max(0, assistants - 1);
  });
  if (count === 0) return undefined;
  const lost =
    earlier === 0
      ? "Each has one assistant message, so nothing is left out."
      : `The ${earlier} assistant message${earlier === 1 ? "" : "s"} before the last in them ${earlier === 1 ? "is" : "are"} context without loss; split such conversations into one example per turn to train on every turn.`;
  return {
    level: earlier === 0 ? "info" : "warn",
    message: `${count} of ${encoded.length} training examples train on their last assistant message after the prompt the model sees at inference: the chat template writes the messages before an assistant message differently once it follows (Mistral v0.3's puts the system message only into a final user message). ${lost}`,
    data: { last_turn_examples: count, earlier_assistant_messages_without_loss: earlier },
  };
}
