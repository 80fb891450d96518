import { z } from "@hono/zod-openapi";
import { CreatedExperiment, DeletedExperiment, Experiment, TrainingMetric } from "@tunelab/core";
import { named } from "./named.ts";

/** Response bodies of the experiment routes: core's Experiment. */
export const ExperimentBody = named(Experiment, "Experiment");
/** One page of a project's experiments (core's ExperimentPage): `limit` of them from `offset`, oldest first. */
export const ExperimentList = z
  .object({
    data: z.array(ExperimentBody),
    total: z.number().int().openapi({
      description: "The project's experiments (all pages): `total - offset - data.length` more follow this page",
    }),
    offset: z.number().int().openapi({ description: "Experiments skipped before this page, oldest first" }),
    limit: z.number().int().openapi({ description: "The most experiments a page holds (as asked, default 1000)" }),
  })
  .openapi("ExperimentList");
export const Created = named(CreatedExperiment, "CreatedExperiment", { experiment: ExperimentBody });
export const CreatedList = z.object({ data: z.array(Created) }).openapi("CreatedExperiments");

/** The experiment's training curve (core's TrainingMetric rows: loss and token accuracy by step). */
export const MetricList = z.object({ data: z.array(named(TrainingMetric, "MetricRow")) }).openapi("MetricList");

/** A deleted experiment's id (core's DeletedExperiment); its tuned model stays with the provider (`DELETE /v1/models/ID`). */
export const DeletedBody = named(DeletedExperiment, "DeletedExperiment");
