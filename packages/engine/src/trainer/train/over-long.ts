/**
 * Examples longer than the context a model trains on. Every loop keeps such an example's last `context` positions
 * (the answer is at the end), so the start of its prompt is never seen; the job says so once, as a `warn` event,
 * instead of training on part of the data silently.
 */
import type { TrainingNotice } from "../types.ts";

/** How many of the given token counts exceed `context` positions (an example of n tokens has n - 1 positions). */
export function countOverLong(tokenCounts: readonly number[], context: number): { count: number; longest: number } {
  let count = 0;
  let longest = 0;
  for (const n of tokenCounts) {
    if (n - 1 > context) count++;
    longest = Math.max(longest, n);
  }
  return { count, longest };
}

/**
 * The job's notice when any training or validation example is over `context` positions, else undefined. `what` names
 * the examples ("examples", or "preference pairs" whose longer side counts). Validation reads only the first examples
 * of a long file: `validationInFile` is the file's count when `validation` holds fewer, so the notice says of which.
 */
export function overLongNotice(
  files: { training: readonly number[]; validation?: readonly number[]; validationInFile?: number },
  context: number,
  what = "examples",
): TrainingNotice | undefined {
  const training = countOverLong(files.training, context);
  const validation = countOverLong(files.validation ?? [], context);
  if (training.count === 0 && validation.count === 0) return undefined;
  const checked = files.validation?.length ?? 0;
  const validationOf =
    files.validationInFile !== undefined && files.validationInFile > checked
      ? `the first ${checked} validation ${what} (the ones validation uses, of ${files.validationInFile} in the file)`
      : `${checked} validation ${what}`;
  const parts = [
    training.count > 0 ? `${training.count} of ${files.training.length} training ${what}` : "",
    validation.count > 0 ? `${validation.count} of ${validationOf}` : "",
  ].filter((part) => part !== "");
  const longest = Math.max(training.longest, validation.longest);
  return {
    level: "warn",
    message:
      `${parts.join(" and ")} ${training.count + validation.count === 1 ? "is" : "are"} longer than the model's training context ` +
      `of ${context} tokens (the longest: ${longest} tokens); each is trained on its last ${context} tokens, so the start ` +
      "of its prompt is not seen. Shorten them, or choose a model with a longer context.",
    data: {
      over_long_examples: {
        context_tokens: context,
        training: training.count,
        validation: validation.count,
        longest_tokens: longest,
      },
    },
  };
}
