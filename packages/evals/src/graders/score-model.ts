import { z } from "zod";
import type { Grade } from "../grade.ts";
import { InputMessageTemplate, renderMessages } from "../template/messages.ts";
import { configObject } from "./config-object.ts";
import { graderName, passThreshold } from "./fields.ts";
import type { Grader } from "./grader.ts";
import { callModelGrader, GraderSamplingParams, parseJsonReply } from "./model-call.ts";

/** OpenAI's `score_model`: a model reads the rendered `input` and returns a number in `range`. */
export const ScoreModelConfig = configObject({
  type: z.literal("score_model"),
  name: graderName,
  model: z.string().min(1),
  input: z.array(InputMessageTemplate).min(1),
  range: z.tuple([z.number().finite(), z.number().finite()]).optional(),
  sampling_params: GraderSamplingParams.optional(),
  pass_threshold: passThreshold.optional(),
}).refine((c) => !c.range || c.range[0] < c.range[1], { message: "range must be [min, max] with min < max", path: ["range"] });
export type ScoreModelConfig = z.infer<typeof ScoreModelConfig>;

/**
 * The structured output asked for, OpenAI's documented score_model response format: `result` (the score) and `steps`
 * (`{description, conclusion}` reasoning steps), so grader prompts written for OpenAI that name these fields ("put -1.0
 * in the result field", "in the conclusion of your reasoning step") mean the same here. `steps` comes first so the model
 * reasons before it scores.
 */
const RESPONSE_FORMAT = {
  type: "json_schema",
  json_schema: {
    name: "score_model_grade",
    strict: true,
    schema: {
      type: "object",
      properties: {
        steps: {
          type: "array",
          items: {
            type: "object",
            properties: { description: { type: "string" }, conclusion: { type: "string" } },
            required: ["description", "conclusion"],
            additionalProperties: false,
          },
        },
        result: { type: "number" },
      },
      required: ["steps", "result"],
      additionalProperties: false,
    },
  },
} as const;

/** The reasoning of a reply: its `steps`' conclusions (or descriptions), or a `reasoning` string. */
function reasoningOf(record: Record<string, unknown>): string | undefined {
  if (typeof record.reasoning === "string" && record.reasoning) return record.reasoning;
  if (!Array.isArray(record.steps)) return undefined;
  const said = record.steps.map((step) => {
    if (!step || typeof step !== "object") return "";
    const { conclusion, description } = step as { conclusion?: unknown; description?: unknown };
    return typeof conclusion === "string" && conclusion ? conclusion : typeof description === "string" ? description : "";
  });
  const text = said.filter(Boolean).join(" ");
  return text || undefined;
}

/**
 * Reads a score from the reply: `{"result": n, "steps": [...]}` (or `{"score": n}`, or `{"reasoning": "...", "result": n}`),
 * a bare JSON number, or text that is only a number. Returns `undefined` otherwise.
 */
export function readScore(text: string): { score: number; reasoning?: string } | undefined {
  const parsed = parseJsonReply(text);
  const asNumber = (value: unknown): number | undefined => {
    if (typeof value === "number" && Number.isFinite(value)) return value;
    if (typeof value === "string" && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
    return undefined;
  };
  if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
    const record = parsed as Record<string, unknown>;
    const score = asNumber(record.result) ?? asNumber(record.score);
    if (score === undefined) return undefined;
    const reasoning = reasoningOf(record);
    return reasoning ? { score, reasoning } : { score };
  }
  const score = asNumber(parsed) ?? asNumber(text);
  return score === undefined ? undefined : { score };
}

/**
 * Non-numeric replies score 0 (failed, with the reply in `reason`) as the issue asks, rather than OpenAI's
 * `model_grader_parse_error`; provider failures and refusals are errored. Scores are clipped to `range`.
 * Without `pass_threshold`, a score at or above the middle of the range passes.
 */
export const scoreModelGrader: Grader<ScoreModelConfig> = {
  type: "score_model",
  config: ScoreModelConfig,
  async grade(config, sample, item, context): Promise<Grade> {
    const [low, high] = config.range ?? [0, 1];
    const messages = renderMessages(config.input, { item, sample });
    const reply = await callModelGrader(context, {
      name: config.name,
      grader: `score_model "${config.name}"`,
      model: config.model,
      messages,
      samplingParams: config.sampling_params,
      responseFormat: RESPONSE_FORMAT,
    });
    const read = readScore(reply.text);
    if (!read) return { score: 0, passed: false, reason: `model output is not a number: ${JSON.stringify(reply.text.slice(0, 200))}` };
    const score = Math.min(high, Math.max(low, read.score));
    const clipped = score === read.score ? "" : ` (clipped from ${read.score})`;
    const passed = score >= (config.pass_threshold ?? (low + high) / 2);
    return { score, passed, reason: `score ${score}${clipped}${read.reasoning ? `: ${read.reasoning}` : ""}` };
  },
};
