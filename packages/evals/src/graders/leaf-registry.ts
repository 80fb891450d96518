import { z } from "zod";
import { CustomConfig, customGrader } from "./custom.ts";
import type { Grader } from "./grader.ts";
import { JsonMatchConfig, jsonMatchGrader } from "./json-match.ts";
import { JsonSchemaConfig, jsonSchemaGrader } from "./json-schema.ts";
import { JsonValidConfig, jsonValidGrader } from "./json-valid.ts";
import { LabelModelConfig, labelModelGrader } from "./label-model.ts";
import { LengthConfig, lengthGrader } from "./length.ts";
import { NumericConfig, numericGrader } from "./numeric.ts";
import { PythonConfig, pythonGrader } from "./python.ts";
import { RegexConfig, regexGrader } from "./regex.ts";
import { ScoreModelConfig, scoreModelGrader } from "./score-model.ts";
import { StringCheckConfig, stringCheckGrader } from "./string-check.ts";
import { TextSimilarityConfig, textSimilarityGrader } from "./text-similarity.ts";
import { ToolCallMatchConfig, toolCallMatchGrader } from "./tool-call-match.ts";

/** Every grader that may sit inside `multi` (all but `multi` itself, as in OpenAI). */
export const LeafGraderConfig = z.discriminatedUnion("type", [
  StringCheckConfig,
  TextSimilarityConfig,
  ScoreModelConfig,
  LabelModelConfig,
  PythonConfig,
  JsonValidConfig,
  JsonSchemaConfig,
  JsonMatchConfig,
  ToolCallMatchConfig,
  RegexConfig,
  NumericConfig,
  LengthConfig,
  CustomConfig,
]);
export type LeafGraderConfig = z.infer<typeof LeafGraderConfig>;
export type LeafGraderType = LeafGraderConfig["type"];

/** Exhaustive: a leaf type without a grader here fails to compile. */
export const leafGraders: { [T in LeafGraderType]: Grader<Extract<LeafGraderConfig, { type: T }>> } = {
  string_check: stringCheckGrader,
  text_similarity: textSimilarityGrader,
  score_model: scoreModelGrader,
  label_model: labelModelGrader,
  python: pythonGrader,
  json_valid: jsonValidGrader,
  json_schema: jsonSchemaGrader,
  json_match: jsonMatchGrader,
  tool_call_match: toolCallMatchGrader,
  regex: regexGrader,
  numeric: numericGrader,
  length: lengthGrader,
  custom: customGrader,
};
