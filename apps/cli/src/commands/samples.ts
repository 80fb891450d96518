import { resolveRunRef, SampleQuery, SampleStatus, samplePage, TunelabError } from "@tunelab/core";
import { type Command, Option } from "commander";
import { withWorkspace } from "../context.ts";
import { didYouMean } from "../did-you-mean.ts";
import { checkedBy, integerIn, nonNegativeInteger } from "../option-parsers.ts";
import { emit, type GlobalOptions } from "../output.ts";
import { renderSamples } from "../render/samples.ts";
import { resolveExperimentRef } from "./experiment-ref.ts";

/** Characters of a field shown before it is clipped (`--full` shows all). */
const CLIP = 400;

interface SamplesOptions {
  project?: string;
  status?: SampleStatus;
  tag?: string;
  search?: string;
  sort: string;
  order: "asc" | "desc";
  limit: number;
  offset: number;
  full?: boolean;
}

export function registerSamples(program: Command, globals: () => GlobalOptions): void {
  program
    .command("samples")
    .description(
      "an eval run's samples as the web's item view shows them: input, output (tool calls too), reference, reasoning, grades and why they failed",
    )
    .argument("<ref>", "an experiment id, eval run id, leaderboard rank (3 or #3) or experiment name")
    .option("-p, --project <name>", "project of ranks and names (default: the only project)")
    .addOption(new Option("--status <result>", "only samples with this result").choices(SampleStatus.options))
    .option("--tag <tag>", "only samples of items with this tag")
    .option("--search <text>", "only samples whose item id, input, output, reference or tags contain this text (any case)")
    .addOption(
      new Option("--sort <key>", "item (test split order), status, or grader:NAME (that grader's score; unscored last)")
        .argParser(checkedBy((text) => text, SampleQuery.shape.sort))
        .default("item"),
    )
    .addOption(new Option("--order <order>", "ascending or descending").choices(["asc", "desc"]).default("asc"))
    .addOption(new Option("--limit <n>", "samples to show (at most 500)").argParser(integerIn(1, 500)).default(20))
    .addOption(new Option("--offset <n>", "samples to skip").argParser(nonNegativeInteger).default(0))
    .option("--full", "show each field whole (otherwise clipped at 400 characters)")
    .addHelpText(
      "after",
      "\nExamples:\n  tunelab samples 1 --status failed\n  tunelab samples exp_0abc --sort grader:fields --limit 5\n  tunelab samples run_0abc --search invoice --json",
    )
    .action(async (ref: string, o: SamplesOptions) => {
      await withWorkspace(async (ws) => {
        const { run, experiment } = await resolveRunRef(ws, await resolveExperimentRef(ws, ref, o.project));
        const grader = o.sort.startsWith("grader:") ? o.sort.slice("grader:".length) : undefined;
        const graders = Object.keys(run.aggregates?.graders ?? {});
        if (grader !== undefined && graders.length > 0 && !graders.includes(grader))
          throw new TunelabError(
            "invalid_argument",
            `--sort grader:${grader}: the run has no grader ${grader}${didYouMean(grader, graders)} (its graders: ${graders.join(", ")})`,
          );
        const page = await samplePage(ws, run.id, {
          ...(o.status ? { status: o.status } : {}),
          ...(o.tag ? { tag: o.tag } : {}),
          ...(o.search ? { q: o.search } : {}),
          sort: o.sort,
          order: o.order,
          limit: o.limit,
          offset: o.offset,
        });
        const filter = [o.status, o.tag && `tag ${o.tag}`, o.search && `containing "${o.search}"`].filter(Boolean).join(", ");
        emit(globals(), { runId: run.id, experimentId: experiment?.id ?? null, model: run.model, ...page }, () =>
          renderSamples(
            page,
            {
              runId: run.id,
              model: run.model,
              label: experiment?.name ?? run.model,
              trials: run.trials,
              filter: filter ? ` (${filter})` : "",
            },
            o.full ? 0 : CLIP,
          ),
        );
      });
    });
}
