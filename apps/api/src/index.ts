export { type ApiOptions, type AppType, createApiApp } from "./app.ts";
