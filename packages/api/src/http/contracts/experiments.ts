import { z } from "@hono/zod-openapi";
import { CreatedExperiment, Experiment, TrainingMetric } from "@tunelab/core";
import { named } from "./named.ts";

/** Response bodies of the experiment routes: core's Experiment. */
export const ExperimentBody = named(Experiment, "Experiment");
export const ExperimentList = z.object({ data: z.array(ExperimentBody) }).openapi("ExperimentList");
export const Created = named(CreatedExperiment, "CreatedExperiment", { experiment: ExperimentBody });
export const CreatedList = z.object({ data: z.array(Created) }).openapi("CreatedExperiments");

/** The experiment's training curve (core's TrainingMetric rows: loss and token accuracy by step). */
export const MetricList = z.object({ data: z.array(named(TrainingMetric, "MetricRow")) }).openapi("MetricList");
