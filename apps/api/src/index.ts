export { type ApiOptions, type AppType, createApiApp } from "./app.ts";
export { type ApiServices, createServices, type ServiceOptions } from "./services.ts";
