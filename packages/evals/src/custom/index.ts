export * from "./define.ts";
export * from "./load.ts";
export { hashFile, hashModule } from "./module-hash.ts";
export type { GraderMeta } from "./protocol.ts";
