import type { ExportProgress } from "@tunelab/engine";
import cliProgress from "cli-progress";
import { color } from "../output.ts";

const STAGE_LINES: Record<ExportProgress["stage"], string> = {
  checking: "checking the base model's files against those it was tuned on",
  loading: "loading the weights",
  writing: "writing the files",
};

/**
 * An export's progress on stderr: each stage as a line, then the tensors written as a bar on a terminal, or as a
 * line every 2 s and at the end otherwise (pipes, CI, --json, whose result is all stdout holds).
 */
export class ExportProgressView {
  private readonly tty: boolean;
  private bar: cliProgress.SingleBar | undefined;
  private stage: ExportProgress["stage"] | undefined;
  private lastLine = 0;

  constructor(
    private readonly label: string,
    options: { json: boolean },
  ) {
    this.tty = process.stderr.isTTY === true && !options.json;
  }

  update(progress: ExportProgress): void {
    if (progress.stage !== this.stage) {
      this.stage = progress.stage;
      this.finishBar();
      process.stderr.write(`${this.label}: ${STAGE_LINES[progress.stage]}\n`);
    }
    if (progress.total === 0) return;
    if (this.tty) {
      this.bar ??= this.startBar(progress.total);
      this.bar.update(progress.done);
    } else if (Date.now() - this.lastLine > 2000 || progress.done === progress.total) {
      this.lastLine = Date.now();
      process.stderr.write(`${this.label}: ${progress.done}/${progress.total} tensors written\n`);
    }
  }

  stop(): void {
    this.finishBar();
  }

  private startBar(total: number): cliProgress.SingleBar {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${color.cyan("{bar}")} {value}/{total} tensors ETA {eta_formatted}`,
        barsize: 24,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return bar;
  }

  private finishBar(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
