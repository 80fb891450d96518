import type { EvalRunListener, ExperimentEvent } from "@tunelab/core";
import cliProgress from "cli-progress";
import { color } from "../output.ts";

type EvalEvent = Parameters<EvalRunListener>[0];

/**
 * Progress for long work: bars on a terminal (training step/total with loss and ETA; evaluation done/total with the
 * pass rate so far and errors), plain throttled lines otherwise (pipes, CI, --json sends them to stderr).
 */
export class Progress {
  private readonly multi: cliProgress.MultiBar | undefined;
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly lastLine = new Map<string, number>();

  constructor(
    private readonly labels: Map<string, string>,
    options: { json: boolean },
  ) {
    if (process.stderr.isTTY && !options.json) {
      this.multi = new cliProgress.MultiBar(
        {
          stream: process.stderr,
          clearOnComplete: false,
          hideCursor: true,
          format: `{label} ${color.cyan("{bar}")} {value}/{total} {phase} {detail} ETA {eta_formatted}`,
          barsize: 24,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  experiment(event: ExperimentEvent): void {
    const label = this.labels.get(event.experimentId) ?? event.experimentId;
    if (event.type === "metrics") {
      const detail = `loss ${event.trainLoss?.toFixed(4) ?? "?"}${event.validLoss !== null ? ` valid ${event.validLoss.toFixed(4)}` : ""}`;
      this.update(`${event.experimentId}`, label, "training", event.step, event.totalSteps, detail);
    } else if (event.type === "eval") {
      const p = event.progress;
      const graded = p.passed + p.failed;
      const detail = `pass ${graded ? ((p.passed / graded) * 100).toFixed(1) : "0.0"}%${p.errored ? color.red(` errors ${p.errored}`) : ""}`;
      this.update(`${event.experimentId}`, label, "evaluating", p.done + p.skipped, p.total + p.skipped, detail);
    } else if (event.type === "warning") {
      this.line(`${label}: ${color.yellow("warning")} ${event.message}`);
    } else if (event.type === "early-stop") {
      this.line(`${label}: stopped early at step ${event.step}, the tuned model keeps step ${event.bestStep} ${color.dim(event.message)}`);
    } else {
      this.line(`${label}: ${event.status} ${color.dim(event.message)}`);
    }
  }

  evalRun(event: EvalEvent, label: string): void {
    if (event.type !== "eval") return;
    const p = event.progress;
    const graded = p.passed + p.failed;
    this.update(
      event.runId,
      label,
      "evaluating",
      p.done + p.skipped,
      p.total + p.skipped,
      `pass ${graded ? ((p.passed / graded) * 100).toFixed(1) : "0.0"}% errors ${p.errored}`,
    );
  }

  stop(): void {
    this.multi?.stop();
  }

  private update(key: string, label: string, phase: string, value: number, total: number, detail: string): void {
    if (this.multi) {
      let bar = this.bars.get(key);
      if (!bar) {
        bar = this.multi.create(total, value, { label: label.padEnd(28).slice(0, 28), phase, detail });
        this.bars.set(key, bar);
      }
      bar.setTotal(total);
      bar.update(value, { phase, detail });
      return;
    }
    const now = Date.now();
    if (value < total && now - (this.lastLine.get(key) ?? 0) < 2_000) return;
    this.lastLine.set(key, now);
    this.line(`${label}: ${phase} ${value}/${total} ${detail}`);
  }

  private line(text: string): void {
    if (this.multi) this.multi.log(`${text}\n`);
    else process.stderr.write(`${text}\n`);
  }
}
