import { z } from "zod";
import { EvalProgress } from "../experiments/experiment-events.ts";
import { EvalRunStatus } from "./eval-run.schema.ts";

/** What a standalone eval run (a regression eval outside an experiment) reports while it runs. */
export const EvalRunEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("eval"), runId: z.string(), progress: EvalProgress }),
  z.object({ type: z.literal("eval-status"), runId: z.string(), status: EvalRunStatus }),
]);
export type EvalRunEvent = z.infer<typeof EvalRunEvent>;

export type EvalRunListener = (event: EvalRunEvent) => void;
