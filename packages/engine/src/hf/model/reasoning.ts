/**
 * Reasoning written before the answer, as Qwen3 (thinking on, its default), QwQ, the DeepSeek-R1 distills and SmolLM3
 * write it: `<think>` … `</think>`, then the answer. The served content is the answer alone, as OpenAI serves its
 * reasoning models and vLLM's reasoning parsers and DeepSeek's API split it, so graders score the answer; the reasoning
 * is the message's `reasoning_content`. The block is open from the start when the generation prompt opens it (QwQ's and
 * the R1 distills' prompts end with `<think>\n`); otherwise only text that begins with `<think>` is reasoning.
 */
export const THINK_OPEN = "<think>";
export const THINK_CLOSE = "</think>";

/** Whether a rendered prompt ends inside an open reasoning block (its last `<think>` is not closed). */
export function opensReasoning(promptText: string): boolean {
  return promptText.lastIndexOf(THINK_OPEN) > promptText.lastIndexOf(THINK_CLOSE);
}

/**
 * Where the answer begins in a model's output so far: the index of its first character (after `</think>` and the blank
 * lines that follow it), or null while that is not known yet (reasoning still being written, or text that may yet become
 * `<think>`).
 */
export function answerStart(text: string, openInPrompt: boolean): number | null {
  const lead = text.length - text.trimStart().length;
  if (!openInPrompt) {
    const rest = text.slice(lead);
    if (rest.length < THINK_OPEN.length && THINK_OPEN.startsWith(rest)) return null;
    if (!rest.startsWith(THINK_OPEN)) return 0;
  }
  const close = text.indexOf(THINK_CLOSE);
  if (close < 0) return null;
  const after = close + THINK_CLOSE.length;
  const body = text.slice(after);
  const skipped = body.length - body.trimStart().length;
  return skipped === body.length ? null : after + skipped;
}

/**
 * A whole output split into its reasoning (absent when it wrote none) and its answer. `stopped`: the model ended it (not
 * the token budget). A model that ended without closing the block answered in it (QwQ and the R1 distills tuned here on
 * answers without reasoning answer right after the `<think>` their prompt opens): that text is the answer. One cut off
 * by the budget before `</think>` was still reasoning: it gave no answer.
 */
export function splitReasoning(text: string, openInPrompt: boolean, stopped: boolean): { reasoning?: string; content: string } {
  const rest = text.trimStart();
  if (!openInPrompt && !rest.startsWith(THINK_OPEN)) {
    // cut off within what may have become `<think>`
    const undecided = rest.length > 0 && rest.length < THINK_OPEN.length && THINK_OPEN.startsWith(rest);
    return undecided && !stopped ? { reasoning: "", content: "" } : { content: text };
  }
  const close = text.indexOf(THINK_CLOSE);
  if (close < 0 && stopped) return { content: text };
  const thought = (close < 0 ? text : text.slice(0, close)).trimStart();
  const reasoning = (thought.startsWith(THINK_OPEN) ? thought.slice(THINK_OPEN.length) : thought).trim();
  return { reasoning, content: close < 0 ? "" : text.slice(close + THINK_CLOSE.length).trimStart() };
}
