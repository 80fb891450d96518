import { CURVE_AXES, type CurveAxis, LeaderboardQuery, type ProjectCurve, projectCurves } from "@tunelab/core";
import { type Command, Option } from "commander";
import { resolveProjectName, withWorkspace } from "../context.ts";
import { checkedBy, listOf, positiveInteger, positiveNumber } from "../option-parsers.ts";
import { color, emit, formatNumber, type GlobalOptions, table } from "../output.ts";

const f3 = (x: number) => x.toFixed(3);
// the same refs the leaderboard and the curves API take: test@N or N, graders@N or N
const SPLIT = LeaderboardQuery.shape.split.unwrap();
const GRADERS = LeaderboardQuery.shape.graders.unwrap();

/** "doubling the data (480 → 960 examples)" or "doubling the trained tokens (120,000 → 240,000 tokens)". */
function projectionWhat(x: CurveAxis, from: number, to: number): string {
  const doubling = to === 2 * from;
  const unit = x === "tokens" ? "tokens" : "examples";
  const what = doubling ? (x === "tokens" ? "doubling the trained tokens" : "doubling the data") : "training";
  return `${what} (${formatNumber(from)} → ${formatNumber(to)} ${unit})`;
}

function renderCurve(c: ProjectCurve, metric: string, x: CurveAxis): string {
  const { fit, projections, asymptote } = c.curve;
  const largest = c.members[c.members.length - 1];
  const lines = [
    color.bold(c.setup),
    table(
      ["dataset", "examples", "trained tokens", metric, "fitted", "experiment"],
      c.members.map((m) => [
        m.dataset,
        formatNumber(m.examples),
        m.trainedTokens === null ? "—" : formatNumber(m.trainedTokens),
        f3(m.score),
        f3(fit.a - fit.b * m.n ** -fit.c),
        `${m.name} ${color.dim(m.experimentId)}`,
      ]),
    ),
    `fit: ${metric} ≈ ${f3(fit.a)} − ${fit.b.toFixed(3)} · n^−${fit.c.toFixed(3)} (n = ${c.xLabel})`,
  ];
  for (const p of projections) {
    lines.push(
      `${projectionWhat(x, largest?.n ?? 0, p.n)} is predicted to ${p.y >= (largest?.score ?? 0) ? "raise" : "change"} ${metric} from ${f3(largest?.score ?? 0)} to ${f3(p.y)} ${color.dim(`[${f3(p.interval.low)}, ${f3(p.interval.high)}]`)}`,
    );
  }
  lines.push(
    color.dim(
      `with unlimited ${x === "tokens" ? "training" : "data"}: ${f3(asymptote.y)} [${f3(asymptote.interval.low)}, ${f3(asymptote.interval.high)}]; 95% intervals from ${c.curve.resamples} paired bootstrap resamples of the test items`,
    ),
  );
  return lines.join("\n");
}

export function registerCurve(program: Command, globals: () => GlobalOptions): void {
  program
    .command("curve")
    .description(
      "learning curve: the primary metric against training-set size (or trained tokens) for experiments that differ only in data, fitted and projected",
    )
    .option("-p, --project <name>", "project (default: the only project)")
    .addOption(
      new Option(
        "--split <version>",
        "the curves of the experiments scored on this test split version: test@1 or 1 (default: the current split)",
      ).argParser(checkedBy((text) => text, SPLIT)),
    )
    .addOption(
      new Option(
        "--graders <version>",
        "the curves of the experiments scored with this grader set version, on its primary metric: graders@1 or 1 (default: the current graders)",
      ).argParser(checkedBy((text) => text, GRADERS)),
    )
    .addOption(
      new Option(
        "--x <axis>",
        "x axis: examples (the dataset version's training examples) or tokens (trained tokens: the tokens the loss is on × epochs, as the provider reported them)",
      )
        .choices(CURVE_AXES)
        .default("examples"),
    )
    .addOption(
      new Option(
        "--at <sizes>",
        "project to these training-set sizes, in the x axis's unit (comma-separated; default: twice the largest)",
      ).argParser(listOf(positiveNumber)),
    )
    .addOption(new Option("--resamples <n>", "bootstrap resamples for the intervals").argParser(positiveInteger).default(1000))
    .addHelpText(
      "after",
      "\nExample:\n  tunelab sweep -d train@2 -m local-small --data-fractions 0.125,0.25,0.5,1\n  tunelab curve --at 1000,2000\n  tunelab curve --x tokens\n  tunelab curve --split test@1 --graders graders@1   # the experiments scored before the split or graders changed",
    )
    .action(async (o: { project?: string; split?: string; graders?: string; x: CurveAxis; at?: number[]; resamples: number }) => {
      const result = await withWorkspace(async (ws) =>
        projectCurves(ws, await resolveProjectName(ws, o.project), {
          x: o.x,
          ...(o.split ? { split: o.split } : {}),
          ...(o.graders ? { graders: o.graders } : {}),
          ...(o.at ? { at: o.at } : {}),
          resamples: o.resamples,
        }),
      );
      emit(globals(), result, () => {
        // which test split and grader set every figure below is on (scores compare only under the same two)
        const on = `${result.testSplit} with ${result.graderSet}`;
        const parts = [color.dim(`experiments scored on ${on} (${result.primaryMetric})`)];
        parts.push(...result.curves.map((c) => renderCurve(c, result.primaryMetric, result.x)));
        if (result.curves.length === 0)
          parts.push(
            `no learning curve yet on ${on}: it needs completed experiments at three or more training-set sizes that differ only in data, e.g.\n  tunelab sweep -d train@1 -m local-small --data-fractions 0.25,0.5,1`,
          );
        if (result.tooFew.length > 0) parts.push(color.dim(`fewer than three data sizes (no curve): ${result.tooFew.join("; ")}`));
        if (result.noTokens.length > 0)
          parts.push(color.dim(`left out (their provider reported no trained tokens): ${result.noTokens.join(", ")}`));
        return parts.join("\n\n");
      });
    });
}
