export * from "./custom/index.ts";
export * from "./formula/index.ts";
export * from "./grade.ts";
export * from "./graders/index.ts";
export * from "./item.ts";
export * from "./runner/index.ts";
export * from "./stats/index.ts";
export * from "./template/index.ts";
