import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerCurve } from "./commands/curve.ts";
import { registerDataBrowse } from "./commands/data-browse.ts";
import { registerDataImport } from "./commands/data-import.ts";
import { registerDataValidate } from "./commands/data-validate.ts";
import { registerDemo } from "./commands/demo.ts";
import { registerEval } from "./commands/eval.ts";
import { registerExperiments } from "./commands/experiments.ts";
import { registerGraders } from "./commands/graders.ts";
import { registerLeaderboard } from "./commands/leaderboard.ts";
import { registerModels } from "./commands/models.ts";
import { registerInit, registerProject } from "./commands/project.ts";
import { registerServe } from "./commands/serve.ts";
import { registerSplit } from "./commands/split.ts";
import { registerUsers } from "./commands/users.ts";
import { addExamples } from "./help-examples.ts";
import type { GlobalOptions } from "./output.ts";

/** The whole command tree, as `tunelab` parses it (errors thrown as CommanderError rather than exiting). */
export function buildProgram(): Command {
  const program = new Command("tunelab")
    .description("evaluation-first fine-tuning: datasets, experiments, graders, leaderboard")
    .version(version(), "-V, --version", "print the version of tunelab")
    .option("--json", "machine-readable output")
    .showHelpAfterError()
    .addHelpText("after", "\nStart with `tunelab demo`, then `tunelab serve` to open the web leaderboard.");
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();

  registerInit(program, globals);
  registerProject(program, globals);
  const data = program.command("data").description("datasets: validate, import, list, show, diff, export");
  registerDataValidate(data, globals);
  registerDataImport(data, globals);
  registerDataBrowse(data, globals);
  registerSplit(program, globals);
  registerGraders(program, globals);
  registerExperiments(program, globals);
  registerLeaderboard(program, globals);
  registerCurve(program, globals);
  registerEval(program, globals);
  registerModels(program, globals);
  registerServe(program);
  registerUsers(program, globals);
  registerDemo(program, globals);

  exitOverrideAll(program);
  addExamples(program);
  return program;
}

function exitOverrideAll(command: Command): void {
  command.exitOverride();
  for (const child of command.commands) exitOverrideAll(child);
}

/** The CLI package's own version (package.json), so that it cannot drift from what was installed. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: unknown };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}
