import { z } from "@hono/zod-openapi";
import { CreatedExperiment, Experiment } from "@tunelab/core";
import { named } from "./named.ts";

/** Response bodies of the experiment routes: core's Experiment. */
export const ExperimentBody = named(Experiment, "Experiment");
export const ExperimentList = z.object({ data: z.array(ExperimentBody) }).openapi("ExperimentList");
export const Created = named(CreatedExperiment, "CreatedExperiment", { experiment: ExperimentBody });
export const CreatedList = z.object({ data: z.array(Created) }).openapi("CreatedExperiments");

/** One row of the experiment's training metrics (loss and token accuracy by step). */
export const MetricList = z
  .object({
    data: z.array(
      z
        .object({
          experiment_id: z.string(),
          step: z.number().int(),
          total_steps: z.number().int().nullable(),
          train_loss: z.number().nullable(),
          train_accuracy: z.number().nullable(),
          valid_loss: z.number().nullable(),
          valid_accuracy: z.number().nullable(),
        })
        .openapi("MetricRow"),
    ),
  })
  .openapi("MetricList");
