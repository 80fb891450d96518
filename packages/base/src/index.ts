export * from "./errors.ts";
export * from "./hash.ts";
export * from "./worker-task.ts";
