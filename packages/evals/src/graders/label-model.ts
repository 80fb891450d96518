import { z } from "zod";
import { type Grade, GraderError } from "../grade.ts";
import { InputMessageTemplate, renderMessages } from "../template/messages.ts";
import { configObject } from "./config-object.ts";
import { graderName } from "./fields.ts";
import type { Grader } from "./grader.ts";
import { callModelGrader, GraderSamplingParams, parseJsonReply } from "./model-call.ts";

/** OpenAI's `label_model`: a model picks one of `labels`; the grade passes when it is one of `passing_labels`. */
export const LabelModelConfig = configObject({
  type: z.literal("label_model"),
  name: graderName,
  model: z.string().min(1),
  input: z.array(InputMessageTemplate).min(1),
  labels: z.array(z.string().min(1)).min(1),
  passing_labels: z.array(z.string()).min(1),
  sampling_params: GraderSamplingParams.optional(),
}).superRefine((c, ctx) => {
  c.passing_labels.forEach((label, i) => {
    if (!c.labels.includes(label))
      ctx.addIssue({ code: "custom", message: `"${label}" is not one of labels`, path: ["passing_labels", i] });
  });
});
export type LabelModelConfig = z.infer<typeof LabelModelConfig>;

/** Structured output: `{"result": <one of labels>}` via a JSON-schema enum. */
export function labelResponseFormat(labels: readonly string[]) {
  return {
    type: "json_schema" as const,
    json_schema: {
      name: "label_model_grade",
      strict: true,
      schema: {
        type: "object",
        properties: { result: { type: "string", enum: [...labels] } },
        required: ["result"],
        additionalProperties: false,
      },
    },
  };
}

/** The label in a reply: `{"result": "x"}` (or `{"label": "x"}`), a JSON string, or the bare text. */
export function readLabel(text: string): string {
  const parsed = parseJsonReply(text);
  if (typeof parsed === "string") return parsed.trim();
  if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
    const record = parsed as Record<string, unknown>;
    const label = record.result ?? record.label;
    if (typeof label === "string") return label.trim();
  }
  return text.trim();
}

/** A label outside `labels` is `model_grader_parse_error` (OpenAI's behaviour). Score 1 for a passing label, else 0. */
export const labelModelGrader: Grader<LabelModelConfig> = {
  type: "label_model",
  config: LabelModelConfig,
  async grade(config, sample, item, context): Promise<Grade> {
    const reply = await callModelGrader(context, {
      name: config.name,
      grader: `label_model "${config.name}"`,
      model: config.model,
      messages: renderMessages(config.input, { item, sample }),
      samplingParams: config.sampling_params,
      responseFormat: labelResponseFormat(config.labels),
    });
    const label = readLabel(reply.text);
    if (!config.labels.includes(label)) {
      throw new GraderError(
        "model_grader_parse_error",
        `label_model "${config.name}": ${JSON.stringify(label.slice(0, 200))} is not one of ${JSON.stringify(config.labels)}`,
      );
    }
    const passed = config.passing_labels.includes(label);
    return { score: passed ? 1 : 0, passed, reason: `label ${JSON.stringify(label)}` };
  },
};
