export * from "./blobs.ts";
export * from "./database.ts";
export * from "./leases.ts";
export * from "./migrate.ts";
