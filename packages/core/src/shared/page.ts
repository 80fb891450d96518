import { z } from "zod";

/** Rows a list returns unless asked otherwise, and the most it returns at once (the leaderboard, the experiments list). */
export const DEFAULT_PAGE_LIMIT = 1_000;
export const MAX_PAGE_LIMIT = 10_000;

/** A page of a sorted list: `limit` rows after `offset` rows (0-based); the answer's `total` counts every page. */
export const PageFields = {
  limit: z.number().int().positive().max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
  offset: z.number().int().min(0).default(0),
};
