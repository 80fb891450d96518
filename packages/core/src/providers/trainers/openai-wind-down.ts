import { TunelabError } from "@tunelab/base";
import { statusOf } from "./http.ts";
import type { Trainer } from "./trainer.ts";

/** The last day OpenAI accepts new self-serve fine-tuning jobs (UTC); from the next day on it takes none. */
export const OPENAI_LAST_JOB_DAY = "2027-01-06";
const END = Date.parse(`${OPENAI_LAST_JOB_DAY}T24:00:00Z`);
const ELSEWHERE = "train on the embedded engine (--provider local) or on Together or Fireworks (kind in tunelab.config.json)";

const WARNED = "tunelab:openai-wind-down";

/** Said with each OpenAI experiment until then (one wording, so an experiment keeps it once). */
export const OPENAI_WIND_DOWN_WARNING = `OpenAI accepts no new fine-tuning jobs after ${OPENAI_LAST_JOB_DAY}: to keep tuning this task after that, ${ELSEWHERE}`;

/**
 * OpenAI's own fine-tuning API while it winds down: each experiment carries a warning until the last day, and from the
 * day after, a job creation OpenAI refuses (400, 403, 404) says that OpenAI takes no new jobs and where to train
 * instead, beside OpenAI's own message. Hosts that copy OpenAI's API are not concerned.
 */
export function openAIWindDown(trainer: Trainer, now: () => Date = () => new Date()): Trainer {
  const over = () => now().getTime() >= END;
  return {
    ...trainer,
    async createJob(request, signal) {
      try {
        return await trainer.createJob(request, signal);
      } catch (error) {
        const status = statusOf(error);
        if (!over() || (status !== 400 && status !== 403 && status !== 404)) throw error;
        const message = error instanceof Error ? error.message : String(error);
        throw new TunelabError(
          "invalid_argument",
          `OpenAI takes no new fine-tuning jobs since ${OPENAI_LAST_JOB_DAY} (it answered: ${message}); ${ELSEWHERE}`,
          { details: { provider: "openai", status } },
        );
      }
    },
    async newEvents(id, seen, signal) {
      const events = await trainer.newEvents(id, seen, signal);
      if (over() || seen.has(WARNED)) return events;
      seen.add(WARNED);
      return { ...events, warnings: [OPENAI_WIND_DOWN_WARNING, ...events.warnings] };
    },
  };
}

/** Whether a provider is OpenAI itself: `openai`, or a configured provider at api.openai.com (as prices decide it). */
export function isOpenAIItself(provider: string, baseURL: string | undefined): boolean {
  return provider === "openai" || (baseURL !== undefined && new URL(baseURL).hostname === "api.openai.com");
}
