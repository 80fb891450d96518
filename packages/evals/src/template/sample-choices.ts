import type { Sample, ToolCall } from "../item.ts";

/** One entry of `sample.choices`: a Chat Completions choice, as OpenAI's graders see it. */
export interface SampleChoice {
  index: number;
  message: { role: "assistant"; content: string | null; tool_calls?: ToolCall[] };
}

/**
 * `sample.choices`, which OpenAI's graders document next to `output_text` and `output_tools`: the output choices in
 * the Chat Completions shape, built from the sample (one choice, its message's text and tool calls; `content` is null
 * for a reply that is only tool calls, as the Chat Completions API returns it). `finish_reason` is not known, so it is
 * not there: a template that reads it errors instead of seeing a guess.
 */
export function sampleChoices(sample: Sample): SampleChoice[] {
  const tools = sample.output_tools && sample.output_tools.length > 0 ? sample.output_tools : undefined;
  const content = tools && sample.output_text === "" ? null : sample.output_text;
  return [{ index: 0, message: { role: "assistant", content, ...(tools ? { tool_calls: tools } : {}) } }];
}
