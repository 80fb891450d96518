export { type ApiOptions, type AppType, createApiApp } from "./app.ts";
export { isLoopback } from "./http/auth.ts";
export { type ApiServices, createServices, type ServiceOptions } from "./services.ts";
