import { z } from "zod";

/** Config fields shared by grader schemas (OpenAI's names). */
export const graderName = z.string().min(1);
/** A template string: `{{item.*}}` / `{{sample.*}}` variables are rendered at grading time. */
export const template = z.string();
export const passThreshold = z.number().finite();
