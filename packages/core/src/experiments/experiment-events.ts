import type { RunProgress } from "@tunelab/evals";
import { z } from "zod";
import { ExperimentStatus } from "./experiment.schema.ts";

/** An eval run's counts so far (the evals package owns the shape; events read back from the log are checked loosely). */
export const EvalProgress = z.custom<RunProgress>(
  (value) => typeof value === "object" && value !== null && typeof (value as { done?: unknown }).done === "number",
  "expected eval progress {done, total, …}",
);

/** What a running experiment reports, for progress bars and Server-Sent Events. */
export const ExperimentEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("status"), experimentId: z.string(), status: ExperimentStatus, message: z.string() }),
  z.object({
    type: z.literal("metrics"),
    experimentId: z.string(),
    step: z.number(),
    totalSteps: z.number(),
    trainLoss: z.number().nullable(),
    validLoss: z.number().nullable(),
  }),
  z.object({ type: z.literal("eval"), experimentId: z.string(), runId: z.string(), progress: EvalProgress }),
  /** What the provider's job warned about (stored with the experiment too: `Experiment.warnings`). */
  z.object({ type: z.literal("warning"), experimentId: z.string(), message: z.string() }),
  /** The provider's job stopped early; the tuned model keeps `bestStep` (stored too: `Experiment.earlyStop`). */
  z.object({ type: z.literal("early-stop"), experimentId: z.string(), step: z.number(), bestStep: z.number(), message: z.string() }),
]);
export type ExperimentEvent = z.infer<typeof ExperimentEvent>;

export type ExperimentListener = (event: ExperimentEvent) => void;
