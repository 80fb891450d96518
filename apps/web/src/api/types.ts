// Response shapes, as the API's response schemas declare them (inferred through the typed client: nothing here is
// written by hand, and nothing of core's Node code reaches the browser bundle).
import type { ClientResponse } from "hono/client";
import type { api, Ok } from "./client.ts";

/** The success body of a client call. */
type Of<F> = F extends (...args: never[]) => Promise<infer R> ? Ok<R> : never;
/** The body of a client call's answer with this (error) status. */
type Refused<F, S extends number> = F extends (...args: never[]) => Promise<infer R>
  ? R extends ClientResponse<infer T, infer U, infer _F>
    ? U extends S
      ? T
      : never
    : never
  : never;
type Project$ = (typeof api.projects)[":project"];
type Experiment$ = (typeof api.experiments)[":id"];
type Run$ = (typeof api)["eval-runs"][":id"];

export type Project = Of<typeof api.projects.$get>["data"][number];
export type DatasetWithVersions = Of<Project$["datasets"]["$get"]>["data"][number];
export type DatasetVersion = DatasetWithVersions["versions"][number];
export type ValidationReport = DatasetVersion["report"];
export type ValidationIssue = ValidationReport["issues"][number];
type Import$ = Project$["datasets"][":dataset"]["versions"]["$post"];
export type ImportedVersion = Of<Import$>;
export type LeakageReport = NonNullable<ImportedVersion["leakage"]>;
/** The 422 body of an import: the file's validation report, nothing written. */
export type RefusedFile = Refused<Import$, 422>;
export type VersionDiff = Of<Project$["datasets"][":dataset"]["diff"]["$get"]>;
export type TestPrompt = Of<Project$["test-split"]["prompts"]["$get"]>["data"][number];
export type TestItem = Of<Project$["test-split"]["items"]["$get"]>["data"][number];

export type GraderSet = Of<Project$["graders"]["$get"]>["versions"][number];
export type GraderConfig = GraderSet["graders"][number];
export type GraderTestResult = Of<typeof api.graders.test.$post>;

export type Experiment = Of<Experiment$["$get"]>;
export type ExperimentStatus = Experiment["status"];
export type MetricRow = Of<Experiment$["metrics"]["$get"]>["data"][number];
export type TrainingSetup = Of<Experiment$["setup"]["$get"]>;
export type BaseModelInfo = Of<typeof api.models.$get>["data"][number];

export type EvalRun = Of<Run$["$get"]>;
export type RunAggregates = NonNullable<EvalRun["aggregates"]>;
export type GraderSummary = RunAggregates["graders"][string];
export type SamplePage = Of<Run$["samples"]["$get"]>;
export type SampleRow = SamplePage["data"][number];
export type SampleStatus = SampleRow["status"];
export type Grade = SampleRow["grades"][string];
export type ItemTrials = Of<Run$["items"]["$get"]>["data"][number];

export type Leaderboard = Of<Project$["leaderboard"]["$get"]>;
export type LeaderboardRow = Leaderboard["rows"][number];
/** The columns the API sorts the leaderboard by. */
export type LeaderboardSort = NonNullable<NonNullable<Parameters<Project$["leaderboard"]["$get"]>[0]["query"]>["sort"]>;
export type ProjectCurves = Of<Project$["curves"]["$get"]>;
export type ProjectCurve = ProjectCurves["curves"][number];
export type CurveAxis = ProjectCurves["x"];
export type Comparison = Of<typeof api.compare.$get>;
export type ComparedItem = Comparison["regressed"][number];
export type GraderComparison = Comparison["graders"][string];

/** What `GET /api/events` sends with eval progress (the SSE stream is not part of the typed client). */
export type { RunProgress } from "@tunelab/evals";
