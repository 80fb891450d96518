export * from "./messages.ts";
export * from "./path.ts";
export * from "./render.ts";
export * from "./sample-choices.ts";
export * from "./sample-fields.ts";
export * from "./template-string.ts";
