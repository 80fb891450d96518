export * from "./grade.ts";
export * from "./item.ts";
