export * from "./blobs.ts";
export * from "./database.ts";
export * from "./migrate.ts";
