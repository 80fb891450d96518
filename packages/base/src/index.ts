export * from "./backoff.ts";
export * from "./errors.ts";
export * from "./hash.ts";
export * from "./leftovers.ts";
export * from "./retry-after.ts";
export * from "./serial-queue.ts";
export * from "./worker-entry.ts";
export * from "./worker-task.ts";
