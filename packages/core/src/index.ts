export * from "./errors.ts";
export * from "./storage/workspace.ts";
export * from "./storage/home.ts";
export * from "./projects/project.schema.ts";
export * from "./projects/project.repository.ts";
export * from "./datasets/validation/validate-file.ts";
export * from "./datasets/validation/report.ts";
export * from "./datasets/validation/issue.ts";
