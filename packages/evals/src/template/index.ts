export * from "./messages.ts";
export * from "./path.ts";
export * from "./render.ts";
