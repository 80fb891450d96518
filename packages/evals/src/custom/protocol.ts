import type { Grade, GraderErrorType } from "../grade.ts";
import type { EvalItem, Sample } from "../item.ts";

/** Data a custom-grader worker starts with. */
export interface WorkerInit {
  moduleUrl: string;
  exportName?: string | undefined;
  /** Bytes the grader may print per grade; past it the worker drops its output and says so (`OutputLimitMessage`). */
  maxOutputBytes: number;
}

export interface GraderMeta {
  name: string;
  version: string;
  description?: string;
}

/** Worker → host, once after loading the module. */
export type ReadyMessage = { kind: "ready"; meta: GraderMeta } | { kind: "load_error"; message: string };

/** Host → worker: grade one sample. */
export interface GradeRequest {
  kind: "grade";
  id: number;
  sample: Sample;
  item: EvalItem;
  config: unknown;
}

/** Worker → host: the result of one request (`passed` absent when the grader returned only a score). */
export type GradeResponse =
  | { kind: "result"; id: number; ok: true; grade: Omit<Grade, "passed" | "error"> & { passed?: boolean } }
  | { kind: "result"; id: number; ok: false; type: GraderErrorType; message: string };

/** Worker → host: the grader printed more than `maxOutputBytes` (the host stops the worker). */
export interface OutputLimitMessage {
  kind: "output_limit";
}

export type WorkerMessage = ReadyMessage | GradeResponse | OutputLimitMessage;
