/**
 * Composes one long support thread (300–600 tokens): greeting, background and usage paragraphs
 * that say nothing about the team, a problem paragraph and a "what I tried" paragraph in the
 * team's words, sometimes a distractor sentence in the other team's words, a follow-up message
 * repeating the problem in other words, and a sign-off. Slots are filled from the ticket-routing
 * example's fillers.
 */
import type { Rng } from "../lib/prng.ts";
import { SLOTS } from "../ticket-routing/slots.ts";
import type { Team } from "./labels.ts";
import { BACKGROUND, CLOSING, DISTRACTOR, GREETING, PROBLEM, TRIED, USAGE } from "./sentences.ts";

function fill(rng: Rng, template: string, fixed: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, slot: string) => fixed[slot] ?? rng.pick(SLOTS[slot] ?? [slot]));
}

/** `n` different sentences from `pool`, slots filled. */
function some(rng: Rng, pool: readonly string[], n: number, fixed: Record<string, string>): string[] {
  return rng
    .shuffle(pool)
    .slice(0, n)
    .map((t) => fill(rng, t, fixed));
}

export function composeThread(rng: Rng, team: Team): string {
  const other: Team = team === "billing" ? "technical" : "billing";
  const fixed = { product: rng.pick(SLOTS.product ?? []), device: rng.pick(SLOTS.device ?? []) };
  const name = rng.pick(SLOTS.name ?? []);
  const background = [...some(rng, BACKGROUND, 2, fixed), ...some(rng, USAGE, 2 + rng.int(2), fixed)];
  if (rng.chance(0.5)) background.splice(1 + rng.int(background.length - 1), 0, fill(rng, rng.pick(DISTRACTOR[other]), fixed));
  const problem = some(rng, PROBLEM[team], 2, fixed);
  const tried = some(rng, TRIED[team], 2 + rng.int(2), fixed);
  const more = some(rng, USAGE, 2, fixed);
  const followUp = some(rng, PROBLEM[team], 1, fixed);
  const paragraphs = [
    rng.pick(GREETING),
    background.join(" "),
    problem.join(" "),
    tried.join(" "),
    [...more, ...some(rng, BACKGROUND, 1, fixed)].join(" "),
    `${some(rng, CLOSING, 2, fixed).join(" ")}\n${name}`,
    `--- Follow-up from ${name} ---\nA short update: ${followUp[0]} ${some(rng, USAGE, 1, fixed)[0]} ${rng.pick(CLOSING)}`,
  ];
  return paragraphs.join("\n\n");
}
