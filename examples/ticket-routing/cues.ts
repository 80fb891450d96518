/**
 * Priority cues. The rule is simple and consistent:
 * a ticket carries at most one cue phrase; its priority is the cue's level,
 * and a ticket without a cue (or with a neutral closing line) is "normal".
 */
import type { Priority } from "./labels.ts";

export interface Cue {
  text: string;
  /** "prefix" cues go before the body ("URGENT: ..."), "sentence" cues after it. */
  placement: "prefix" | "sentence";
}

const s = (text: string): Cue => ({ text, placement: "sentence" });
const p = (text: string): Cue => ({ text, placement: "prefix" });

export const PRIORITY_CUES: Readonly<Record<Priority, readonly Cue[]>> = {
  urgent: [
    p("URGENT:"),
    p("Emergency:"),
    s("Please fix this ASAP."),
    s("This is an emergency."),
    s("Need this fixed ASAP, it is critical."),
    s("This is urgent, we are completely blocked."),
    s("Everything is on hold until this is solved, urgent!"),
  ],
  high: [
    p("High priority:"),
    s("This is blocking my work."),
    s("I need this resolved today."),
    s("Please treat this as high priority."),
    s("It's important, my deadline is tomorrow."),
    s("Would appreciate a fast answer, this is important."),
  ],
  normal: [s("Please advise."), s("Let me know what you need from me."), s("Can someone take a look?"), s("Any help is appreciated.")],
  low: [
    p("Low priority:"),
    s("No rush."),
    s("Whenever you get a chance."),
    s("Not urgent at all, just curious."),
    s("Take your time, it's not urgent."),
    s("No hurry on this one."),
  ],
};

/** Technical tickets can also signal urgency with an outage statement. */
export const TECHNICAL_URGENT_CUES: readonly Cue[] = [s("Production is down."), s("Our production site is down right now.")];

/** Priority distribution used when sampling labels. */
export const PRIORITY_WEIGHTS: Readonly<Record<Priority, number>> = {
  low: 2,
  normal: 3,
  high: 2.5,
  urgent: 2.5,
};

/** How often a "normal" ticket carries a neutral closing line instead of nothing. */
export const NEUTRAL_CUE_RATE = 0.5;
