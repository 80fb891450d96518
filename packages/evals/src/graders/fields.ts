import { z } from "zod";
import { TemplateString } from "../template/template-string.ts";

/** Config fields shared by grader schemas (OpenAI's names). */
export const graderName = z.string().min(1);
/**
 * A template string: `{{item.*}}` / `{{sample.*}}` variables are rendered at grading time; an unknown `{{sample.*}}`
 * field is refused when the config is parsed.
 */
export const template = TemplateString;
export const passThreshold = z.number().finite();
