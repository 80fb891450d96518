import { existsSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { stripVTControlCharacters } from "node:util";
import {
  DEFAULT_GRADER_ATTEMPTS,
  DEFAULT_GRADER_TIMEOUT_SECONDS,
  type EvalRun,
  type EvalRunRunner,
  type GateResult,
  getProjectByName,
  regressionGate,
  runSamples,
  type StandaloneRunInput,
  TunelabError,
} from "@tunelab/core";
import type { GraderSummary } from "@tunelab/evals";
import { type Command, Option } from "commander";
import { resolveProjectName } from "../context.ts";
import { EXIT } from "../exit-codes.ts";
import { finiteNumber, fraction, nonNegativeNumber, share } from "../option-parsers.ts";
import { color, emit, type GlobalOptions } from "../output.ts";
import { checkOutputFile } from "../output-path.ts";
import { renderComparison } from "../render/comparison.ts";
import { renderJunit } from "../render/junit.ts";
import { renderMarkdown } from "../render/markdown.ts";
import { Progress } from "../render/progress.ts";
import { withServices } from "../services.ts";
import { chosenEvaluation, evalOptions } from "./eval-options.ts";
import { checkBaseline, checkKnownModel } from "./run-target.ts";

const REPORT_FORMATS = ["table", "json", "junit", "markdown"] as const;

/** `tunelab eval`'s options as commander hands them over: every value already parsed and checked. */
interface EvalOptions {
  model: string;
  provider: string;
  project?: string;
  baseline?: string;
  minScore?: number;
  maxDrop?: number;
  significance: number;
  maxErrored: number;
  format: (typeof REPORT_FORMATS)[number];
  output?: string;
  trials?: number;
  temperature?: number;
  reasoningEffort?: string;
  graderTimeout?: number;
  graderAttempts?: number;
}

export function registerEval(program: Command, globals: () => GlobalOptions): void {
  evalOptions(
    program
      .command("eval")
      .description("score any model on the project's test split with its graders; exit 1 when a gate fails (for CI)")
      .requiredOption("-m, --model <name>", "model to score (tuned, base, or a hosted production model)")
      .option("--provider <name>", "local, openai, or one from tunelab.config.json", "local")
      .option("-p, --project <name>", "project (default: the only project)")
      .option("--baseline <ref>", "compare with: best (the leaderboard's top), an experiment id or an eval run id")
      .addOption(new Option("--min-score <x>", "fail below this primary-metric mean").argParser(finiteNumber))
      .addOption(
        new Option(
          "--max-drop <d>",
          "fail when the primary metric's mean drops more than this below the baseline's and the drop is significant; absolute, in the metric's units (0.02 = 2 points on a 0..1 metric, not 2%)",
        ).argParser(nonNegativeNumber),
      )
      .addOption(new Option("--significance <alpha>", "significance level of a drop, 0 to 1").argParser(fraction).default(0.05))
      .addOption(
        new Option("--max-errored <share>", "fail when more than this share of items errored, 0..1 or a percentage like 5%")
          .argParser(share)
          .default(0, "0"),
      )
      .addOption(new Option("--format <format>", "report format").choices(REPORT_FORMATS).default("table"))
      .option("-o, --output <file>", "write the report here (stdout otherwise)"),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  tunelab eval --model ft:local-small:tunelab::abc --baseline best --max-drop 0.02\n  tunelab eval --model gpt-4o-mini --provider openai --min-score 0.9 --format junit -o report.xml\n  tunelab eval --model ft:local-small:tunelab::abc --trials 5 --baseline best\n  tunelab eval --model ft:local-small:tunelab::abc --grader-timeout 300 --grader-attempts 2\n\nModel graders (score_model, label_model) give each request 60 s and 3 attempts unless --grader-timeout and\n--grader-attempts say otherwise; the run records the values it used, and a resumed run keeps them.",
    )
    .action(async (o: EvalOptions, command: Command) => {
      // --json is --format json: with another format given as well, which report CI gets would be a guess
      if (globals().json && command.getOptionValueSource("format") === "cli" && o.format !== "json")
        throw new TunelabError(
          "invalid_argument",
          `--json asks for the JSON report but --format ${o.format} for another; give one of them (--json is --format json); nothing was done`,
          { details: { field: "format" } },
        );
      const format = globals().json ? "json" : o.format;
      // a drop is measured against a baseline: without one the gate would silently check nothing
      if (o.maxDrop !== undefined && o.baseline === undefined)
        throw new TunelabError(
          "invalid_argument",
          `--max-drop ${o.maxDrop} needs --baseline to compare with: best (the leaderboard's top), an experiment id or an eval run id; nothing was done`,
          { details: { field: "max-drop" } },
        );
      // the report must be writable before a single item is scored
      if (o.output) checkOutputFile(o.output, "-o/--output");
      const scored = await withServices(
        async (services) => {
          const project = await resolveProjectName(services.ws, o.project);
          await getProjectByName(services.ws.db, project);
          // a mistyped provider, model or baseline is refused before an eval run is stored or an item scored
          await checkKnownModel(services.ws, services.providers.names(), services.local, o.provider, o.model);
          services.providers.client(o.provider); // a provider whose API key is not in the environment
          if (o.baseline) await checkBaseline(services.ws, project, o.baseline);
          const evaluation = chosenEvaluation(o);
          const spec = { project, model: o.model, provider: o.provider, ...(evaluation ? { evaluation } : {}) };
          const progress = new Progress(new Map(), { json: format !== "table" });
          const off = services.evalRuns.subscribe((event) => progress.evalRun(event, o.model));
          const started = await startOrResume(services.evalRuns, spec, services.interrupted).finally(() => {
            off();
            progress.stop();
          });
          // stopped by Ctrl-C or SIGTERM: the interrupt line said what happens; a clean stop, not an error
          if (!started || (services.interrupted.aborted && started.finished.status !== "completed")) return undefined;
          const { run, finished } = started;
          if (finished.status !== "completed")
            throw new TunelabError(
              "internal",
              `the eval run ${run.id} ended ${finished.status}${finished.error ? `: ${finished.error}` : ""}; run \`tunelab eval --model ${o.model}\` again`,
            );
          const gate = await regressionGate(services.ws, run.id, {
            project,
            significance: o.significance,
            maxErrored: o.maxErrored,
            ...(o.baseline ? { baseline: o.baseline } : {}),
            ...(o.minScore === undefined ? {} : { minScore: o.minScore }),
            ...(o.maxDrop === undefined ? {} : { maxDrop: o.maxDrop }),
          });
          const samples = await runSamples(services.ws.db, run.id);
          const report =
            format === "junit"
              ? renderJunit(gate, samples)
              : format === "markdown"
                ? renderMarkdown(gate)
                : format === "json"
                  ? `${JSON.stringify(gate, null, 2)}\n`
                  : renderTable(gate);
          return { gate, report };
        },
        { runJobs: false, interruptNote: "the eval run is cancelled" },
      );
      if (!scored) {
        process.exitCode = 130;
        return;
      }
      const { gate, report } = scored;
      // a file never holds a terminal's colour codes (on in CI, where logs show them)
      if (o.output && !writeReport(o.output, stripVTControlCharacters(report))) {
        // the eval ran: its report goes to stdout rather than being lost, and the command fails as a usage error would
        emit({}, null, () => report);
        process.exitCode = EXIT.error;
        return;
      }
      if (o.output)
        process.stderr.write(`${gate.passed ? color.green("✔ passed") : color.red("✖ failed")}: report written to ${o.output}\n`);
      else emit({}, null, () => report);
      if (!gate.passed) process.exitCode = EXIT.checkFailed;
    });
}

/**
 * Scores the evaluation: the same command after a kill (or a machine put to sleep) resumes the run it left, so only
 * the items not yet stored are scored; otherwise a new run.
 */
async function startOrResume(
  runner: EvalRunRunner,
  spec: StandaloneRunInput,
  interrupted: AbortSignal,
): Promise<{ run: EvalRun; finished: EvalRun } | undefined> {
  let held: EvalRun | undefined;
  const resumed = await runner.resumeSame(spec, {
    signal: interrupted,
    onWait: (run, seconds) => {
      held = run;
      process.stderr.write(
        `eval run ${run.id} of this evaluation is unfinished and held by another process; waiting up to ${seconds} s to see whether it still runs (a stopped one's run is resumed here)\n`,
      );
    },
  });
  if (resumed) {
    process.stderr.write(`resuming eval run ${resumed.run.id}: ${resumed.scored} of ${resumed.run.resultCounts.total} already scored\n`);
    const asked = spec.evaluation ?? {};
    const { graderTimeoutSeconds, graderAttempts } = resumed.run;
    if (
      (asked.graderTimeoutSeconds !== undefined && asked.graderTimeoutSeconds !== graderTimeoutSeconds) ||
      (asked.graderAttempts !== undefined && asked.graderAttempts !== graderAttempts)
    )
      process.stderr.write(
        `note: the resumed run keeps the model-grader deadline it was started with (${graderTimeoutSeconds} s, ${graderAttempts} attempt${graderAttempts === 1 ? "" : "s"}), not the --grader-timeout/--grader-attempts given now: those apply to a new run\n`,
      );
    return { run: resumed.run, finished: await resumed.done };
  }
  if (interrupted.aborted) return undefined; // stopped while waiting: nothing was created
  const run = await runner.create(spec);
  if (held) process.stderr.write(`eval run ${held.id} is being scored by another process; this one scores its own, ${run.id}\n`);
  return { run, finished: await runner.run(run.id) };
}

/**
 * Writes the report whole or not at all: into a temporary file beside it, then renamed over it, so that a write that
 * fails (a full disk) leaves no half-written report for CI to read, and any earlier report as it was. A path that is no
 * regular file (a pipe), or a device (/dev/stdout, even when it is redirected to a file), is written as it is. False
 * (with the reason on stderr, no stack trace) when the report cannot be written.
 */
function writeReport(path: string, report: string): boolean {
  let temporary: string | undefined;
  try {
    const existing = existsSync(path) ? statSync(path) : undefined;
    if ((existing && !existing.isFile()) || /^\/(dev|proc)\//.test(resolve(path))) writeFileSync(path, report);
    else {
      // a symbolic link keeps pointing where it did: the file it names is replaced
      const target = existing ? realpathSync(path) : resolve(path);
      temporary = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
      writeFileSync(temporary, report);
      renameSync(temporary, target);
    }
    return true;
  } catch (error) {
    if (temporary) rmSync(temporary, { force: true });
    process.stderr.write(
      `${color.red("error:")} cannot write the report to ${path}: ${(error as Error).message}; it is printed on stdout instead\n`,
    );
    return false;
  }
}

function renderTable(gate: GateResult): string {
  const counts = gate.run.resultCounts;
  const lines = [
    `${gate.passed ? color.green("✔ PASSED") : color.red("✖ FAILED")} ${gate.run.model} · ${gate.primaryMetric} ${scoreText(gate)} · ${counts.passed}/${counts.total} passed, ${counts.failed} failed, ${counts.errored} errored · run ${gate.run.id}`,
    ...trialsLines(gate),
    ...effortLines(gate),
    ...graderDeadlineLines(gate),
    ...gate.run.samplingNotes.map((note) => color.yellow(`  note: ${note}`)),
    ...gate.checks.map((c) => `  ${c.passed ? color.green("pass") : color.red("FAIL")} ${c.gate}: ${c.detail}`),
  ];
  if (!gate.checks.some((c) => c.gate !== "max-errored"))
    lines.push(color.dim("  no score gate given (--min-score, --max-drop): only errors can fail this run"));
  if (gate.errors.count > 0) lines.push("", renderErrors(gate));
  if (gate.comparison) lines.push("", renderComparison(gate.comparison, 10));
  return lines.join("\n");
}

/** The primary metric's mean and its 95% interval, both to three decimals (as the leaderboard and the Markdown report). */
function scoreText(gate: GateResult): string {
  const interval = gate.run.primary.interval;
  return `${gate.score?.toFixed(3) ?? "n/a"}${interval ? color.dim(` [${interval.low.toFixed(3)}, ${interval.high.toFixed(3)}]`) : ""}`;
}

/** With trials: how many per item, the sampling temperature, and how many items changed outcome between trials. */
function trialsLines(gate: GateResult): string[] {
  const { run } = gate;
  if (run.trials <= 1) return [];
  const graders = (run.aggregates as { graders?: Record<string, GraderSummary> } | null)?.graders ?? {};
  const primary = graders[gate.primaryMetric]?.trials;
  const temperature = run.samplingParams.temperature;
  const lines = [
    color.dim(
      `  ${run.trials} trials per item${typeof temperature === "number" ? ` at temperature ${temperature}` : ""}: counts are per trial; the score is the mean of item means, its interval a two-level bootstrap (items, then trials)`,
    ),
  ];
  if (primary)
    lines.push(
      `  ${gate.primaryMetric}: ${primary.flaky} of ${primary.items} items flaky (passed in some trials, failed in others)${primary.withinVariance === null ? "" : ` · within-item variance ${primary.withinVariance.toFixed(4)}, between items ${primary.betweenVariance?.toFixed(4) ?? "n/a"}`}`,
    );
  if (gate.flaky && gate.flaky.first.length > 0)
    lines.push(
      `  most uncertain: ${gate.flaky.first.map((f) => `#${f.itemId} ${f.passed}/${f.trials}`).join(", ")}${gate.flaky.count > gate.flaky.first.length ? color.dim(` … ${gate.flaky.count - gate.flaky.first.length} more`) : ""}`,
    );
  return lines;
}

/** The reasoning effort the run asked for, when it asked for one (a model that refused it has a note below). */
function effortLines(gate: GateResult): string[] {
  const effort = gate.run.samplingParams.reasoning_effort;
  return typeof effort === "string" ? [color.dim(`  reasoning effort ${effort}`)] : [];
}

/** The model graders' request deadline and attempts, when the run was not started with the defaults (60 s, 3). */
function graderDeadlineLines(gate: GateResult): string[] {
  const { graderTimeoutSeconds, graderAttempts } = gate.run;
  if (graderTimeoutSeconds === DEFAULT_GRADER_TIMEOUT_SECONDS && graderAttempts === DEFAULT_GRADER_ATTEMPTS) return [];
  return [
    color.dim(
      `  model graders: ${graderTimeoutSeconds} s per request, ${graderAttempts} attempt${graderAttempts === 1 ? "" : "s"} per grade`,
    ),
  ];
}

/** The first errored items with their reasons, and how many more there are. */
function renderErrors(gate: GateResult): string {
  const { count, first } = gate.errors;
  const lines = [color.red(`errored items: ${count}`)];
  for (const e of first) lines.push(`  ${color.red(`#${e.itemId}`)} ${e.reason}`);
  if (count > first.length) lines.push(color.dim(`  … ${count - first.length} more (--format junit lists every item)`));
  return lines.join("\n");
}
