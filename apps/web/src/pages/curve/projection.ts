import type { CurveAxis, ProjectCurve } from "../../api/types.ts";
import { count, score } from "../../lib/format.ts";

type Projection = ProjectCurve["curve"]["projections"][number];

/**
 * A projection as `tunelab curve` says it: "doubling the data (480 → 960 examples) is predicted to raise fields from
 * 0.780 to 0.860 [0.820, 0.900]", or on the tokens axis "doubling the trained tokens (120k → 240k tokens) …".
 */
export function projectionSentence(c: ProjectCurve, metric: string, p: Projection, x: CurveAxis): string {
  const largest = c.members.at(-1);
  const from = largest?.score ?? 0;
  const doubling = largest !== undefined && p.n === 2 * largest.n;
  const what = doubling ? (x === "tokens" ? "doubling the trained tokens" : "doubling the data") : "training";
  const unit = x === "tokens" ? "tokens" : "examples";
  return `${what} (${count(largest?.n ?? 0)} → ${count(p.n)} ${unit}) is predicted to ${p.y >= from ? "raise" : "change"} ${metric} from ${score(from)} to ${score(p.y)} [${score(p.interval.low)}, ${score(p.interval.high)}]`;
}
