export { type ApiOptions, type AppType, createApiApp } from "./app.ts";
export { isLoopback } from "./http/auth.ts";
export { HostPolicy } from "./http/hosts.ts";
export { type ListeningApi, type ListenOptions, listenApi } from "./http/listen.ts";
export { type ApiServices, createServices, type ServiceOptions } from "./services.ts";
