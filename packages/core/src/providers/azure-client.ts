import OpenAI from "openai";
import type { ProviderConfig } from "./provider-config.ts";

/**
 * The `openai` client for Azure OpenAI's v1 API (`https://RESOURCE.openai.azure.com/openai/v1`, OpenAI's shapes):
 * the key goes in the `api-key` header, never as a bearer token; `api-version` is added when configured; a chat
 * request's `model` is replaced by the deployment that serves it (`deployments` in tunelab.config.json), since Azure
 * serves models through deployments. https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle
 */
export function azureClient(config: ProviderConfig, apiKey: string, baseFetch: typeof globalThis.fetch = globalThis.fetch): OpenAI {
  const deployments = config.deployments ?? {};
  return new OpenAI({
    apiKey,
    baseURL: config.baseURL,
    maxRetries: 0,
    defaultHeaders: { "api-key": apiKey, authorization: null },
    ...(config.apiVersion ? { defaultQuery: { "api-version": config.apiVersion } } : {}),
    fetch: async (input, init) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
      if (init?.method === "POST" && new URL(url).pathname.endsWith("/chat/completions") && typeof init.body === "string") {
        const body = JSON.parse(init.body) as { model?: string };
        const deployment = body.model === undefined ? undefined : deploymentFor(deployments, body.model);
        if (deployment) return baseFetch(input, { ...init, body: JSON.stringify({ ...body, model: deployment }) });
      }
      return baseFetch(input, init);
    },
  });
}

/** The deployment serving a model: an exact key, else the longest `prefix*` key that matches. */
export function deploymentFor(deployments: Record<string, string>, model: string): string | undefined {
  if (deployments[model]) return deployments[model];
  const key = Object.keys(deployments)
    .filter((k) => k.endsWith("*") && model.startsWith(k.slice(0, -1)))
    .sort((a, b) => b.length - a.length)[0];
  return key ? deployments[key] : undefined;
}
