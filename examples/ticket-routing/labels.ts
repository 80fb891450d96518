/** Label space of the ticket-routing task and the system prompt that states it. */

export const CATEGORIES = ["billing", "technical", "account", "shipping", "refund", "feature_request"] as const;
export type Category = (typeof CATEGORIES)[number];

export const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Route {
  category: Category;
  priority: Priority;
}

export const SYSTEM_PROMPT =
  'Route the support ticket. Reply with JSON: {"category": ..., "priority": ...}. ' +
  `category is one of: ${CATEGORIES.join(", ")}. ` +
  `priority is one of: ${PRIORITIES.join(", ")}.`;

/** Compact JSON with a fixed key order: {"category":"billing","priority":"high"}. */
export function routeJson(route: Route): string {
  return JSON.stringify({ category: route.category, priority: route.priority });
}
