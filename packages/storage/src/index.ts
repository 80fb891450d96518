export * from "./blobs.ts";
export * from "./database.ts";
export * from "./dialect.ts";
export * from "./leases.ts";
export * from "./migrate.ts";
export * from "./postgres.ts";
export * from "./s3-blobs.ts";
export * from "./shared-blobs.ts";
