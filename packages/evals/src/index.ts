export * from "./grade.ts";
export * from "./item.ts";
export * from "./runner/index.ts";
export * from "./stats/index.ts";
