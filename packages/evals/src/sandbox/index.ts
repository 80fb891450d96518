export * from "./env.ts";
export * from "./limits.ts";
export * from "./run-process.ts";
