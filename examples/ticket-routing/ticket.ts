/** Compose one support ticket text for a given route (category + priority). */
import type { Rng } from "../lib/prng.ts";
import type { Cue } from "./cues.ts";
import { NEUTRAL_CUE_RATE, PRIORITY_CUES, TECHNICAL_URGENT_CUES } from "./cues.ts";
import type { Route } from "./labels.ts";
import { SLOTS } from "./slots.ts";
import { GREETINGS, NEUTRAL_DETAILS, SIGN_OFFS, TEMPLATES } from "./templates.ts";

const DETAIL_RATE = 0.45;
const NEUTRAL_DETAIL_SHARE = 0.3;
const TYPO_RATE = 0.1;
const CUE_FIRST_RATE = 0.25;
const GREETING_RATE = 0.35;
const SIGN_OFF_RATE = 0.3;

export function fillSlots(rng: Rng, template: string): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const fillers = SLOTS[name];
    if (fillers === undefined) throw new Error(`unknown slot {${name}} in "${template}"`);
    return rng.pick(fillers);
  });
}

/** Swap two adjacent letters inside one longer word, like a fast typist would. */
export function addTypo(rng: Rng, text: string): string {
  const words = [...text.matchAll(/[A-Za-z]{5,}/g)];
  if (words.length === 0) return text;
  const word = rng.pick(words);
  const start = word.index;
  const i = start + 1 + rng.int(word[0].length - 2);
  return text.slice(0, i) + text.charAt(i + 1) + text.charAt(i) + text.slice(i + 2);
}

/** First words that must stay capitalised (product, carrier and customer names). */
const PROPER_WORDS = new Set([...(SLOTS.product ?? []), ...(SLOTS.carrier ?? []), ...(SLOTS.name ?? [])].map((v) => v.split(" ")[0]));

/** After "Hi," the sentence continues in lower case unless it starts with a name or "I". */
function afterGreeting(text: string): string {
  const first = /^[A-Za-z]+/.exec(text)?.[0] ?? "";
  if (first === "I" || PROPER_WORDS.has(first) || !/^[A-Z][a-z]+$/.test(first)) return text;
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function endSentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function pickCue(rng: Rng, route: Route): Cue | undefined {
  if (route.priority === "normal") {
    return rng.chance(NEUTRAL_CUE_RATE) ? rng.pick(PRIORITY_CUES.normal) : undefined;
  }
  const cues =
    route.priority === "urgent" && route.category === "technical"
      ? [...PRIORITY_CUES.urgent, ...TECHNICAL_URGENT_CUES]
      : PRIORITY_CUES[route.priority];
  return rng.pick(cues);
}

export function composeTicket(rng: Rng, route: Route): string {
  const templates = TEMPLATES[route.category];
  const sentences: string[] = [fillSlots(rng, rng.pick(templates.bodies))];
  if (rng.chance(DETAIL_RATE)) {
    const pool = rng.chance(NEUTRAL_DETAIL_SHARE) ? NEUTRAL_DETAILS : templates.details;
    sentences.push(fillSlots(rng, rng.pick(pool)));
  }
  if (rng.chance(TYPO_RATE)) {
    const i = rng.int(sentences.length);
    sentences[i] = addTypo(rng, sentences[i] ?? "");
  }

  const cue = pickCue(rng, route);
  let prefix = "";
  if (cue?.placement === "prefix") {
    prefix = cue.text;
  } else if (cue !== undefined) {
    if (rng.chance(CUE_FIRST_RATE)) sentences.unshift(cue.text);
    else sentences.push(cue.text);
  }

  const parts: string[] = [];
  if (prefix === "" && rng.chance(GREETING_RATE)) parts.push(rng.pick(GREETINGS));
  if (prefix !== "") parts.push(prefix);
  sentences.forEach((sentence, i) => {
    const text = i === 0 && parts.length > 0 && prefix === "" ? afterGreeting(sentence) : sentence;
    parts.push(i < sentences.length - 1 ? endSentence(text) : text);
  });
  if (sentences.length <= 2 && rng.chance(SIGN_OFF_RATE)) {
    const last = parts.length - 1;
    parts[last] = endSentence(parts[last] ?? "");
    parts.push(fillSlots(rng, rng.pick(SIGN_OFFS)));
  }
  return parts.join(" ");
}
