/** Label space of the long-tickets task and the system prompt that states it. */

export const TEAMS = ["billing", "technical"] as const;
export type Team = (typeof TEAMS)[number];

export const SYSTEM_PROMPT = 'Route the support thread to a team. Reply with JSON: {"team": ...}. team is one of: billing, technical.';

/** Compact JSON: {"team":"billing"}. */
export function teamJson(team: Team): string {
  return JSON.stringify({ team });
}
