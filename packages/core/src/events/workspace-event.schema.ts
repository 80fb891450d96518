import { z } from "zod";
import { DatasetEvent } from "../datasets/dataset-events.ts";
import { EvalRunEvent } from "../eval-runs/eval-run-events.ts";
import { ExperimentEvent } from "../experiments/experiment-events.ts";

/**
 * Everything that happens in a workspace that an open page wants to see live, whichever process did it: experiments
 * (status, training metrics, eval progress), standalone eval runs and dataset versions.
 */
export const WorkspaceEvent = z.union([ExperimentEvent, EvalRunEvent, DatasetEvent]);
export type WorkspaceEvent = z.infer<typeof WorkspaceEvent>;

/** A workspace event as the event log stored it: `id` increases in commit order, so a reader resumes after the last it saw. */
export const LoggedEvent = z.object({
  id: z.number().int().positive(),
  createdAt: z.string(),
  event: WorkspaceEvent,
});
export type LoggedEvent = z.infer<typeof LoggedEvent>;

export type LoggedEventListener = (event: LoggedEvent) => void;
