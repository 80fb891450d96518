export * from "./define.ts";
export * from "./load.ts";
export type { GraderMeta } from "./protocol.ts";
