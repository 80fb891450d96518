/**
 * A chat template without a system role (Mistral 7B Instruct v0.1/v0.2 as first released, Gemma 2) gets a conversation's
 * system message at the start of its first user message (tokenizer/system-fold.ts), in training and in chat completions
 * alike. The job says so once, with how many training examples it concerns, so that a user serving the exported model
 * elsewhere knows to do the same.
 */
import type { TrainingNotice } from "../../trainer/types.ts";

/** `folded`: how many of `total` training examples had their system message written into their first user message. */
export function systemInUserNotice(folded: number, total: number): TrainingNotice | undefined {
  if (folded === 0) return undefined;
  return {
    level: "info",
    message: `The model's chat template has no system role: the system message of ${folded} of ${total} training examples is written at the start of the first user message, followed by a blank line. Chat completions with this model do the same; elsewhere (vLLM, llama.cpp) put the system message there yourself.`,
    data: { system_in_user_examples: folded },
  };
}
