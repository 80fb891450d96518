import { z } from "zod";

/** A two-sided confidence interval `[low, high]`. */
export const Interval = z.object({ low: z.number(), high: z.number() });
export type Interval = z.infer<typeof Interval>;
