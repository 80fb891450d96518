export * from "./evaluate.ts";
export * from "./parse.ts";
export * from "./tokens.ts";
